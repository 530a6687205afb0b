// Chapter 5: a playground. A small fully connected network trains in the page by minibatch SGD
// on a 2-D data set; decision regions at the screen's resolution, one heat map per hidden unit,
// train and test loss curves, cross-entropy or squared error (or both side by side), and the
// weights as numbers on hover.

// ---------------------------------------------------------------- the maths (tested against book.nets)
const ACT = {
  relu: [(a) => (a > 0 ? a : 0), (a, o) => (a > 0 ? 1 : 0)],
  tanh: [Math.tanh, (a, o) => 1 - o * o],
  sigmoid: [(a) => 1 / (1 + Math.exp(-a)), (a, o) => o * (1 - o)],
  linear: [(a) => a, () => 1],
};

export function rng(seed) {
  // mulberry32: a small seeded generator; normal() by Box-Muller
  let s = seed >>> 0;
  const u = () => { s = (s + 0x6d2b79f5) >>> 0; let t = s; t = Math.imul(t ^ (t >>> 15), t | 1); t ^= t + Math.imul(t ^ (t >>> 7), t | 61); return ((t ^ (t >>> 14)) >>> 0) / 4294967296; };
  return { u, normal: () => Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u()) };
}

export function initNet(sizes, seed, act = "relu") {
  // layers [{W (out x in, row-major), b (out), n_in, n_out}]; W ~ N(0, 1) * sqrt(2 / fan_in) (He) for
  // relu, sqrt(1 / fan_in) otherwise; b = 0
  const r = rng(seed), net = [];
  for (let k = 1; k < sizes.length; k++) {
    const ni = sizes[k - 1], no = sizes[k], std = Math.sqrt((act === "relu" ? 2 : 1) / ni);
    const W = new Float64Array(no * ni);
    for (let i = 0; i < W.length; i++) W[i] = std * r.normal();
    net.push({ W, b: new Float64Array(no), n_in: ni, n_out: no });
  }
  return net;
}

export function forwardFlat(net, X, N, act) {
  // X: Float64Array (N * D). Returns {outs: [X, h1, ..., s], pre: [a1, ..., s]}; the last layer is affine
  const outs = [X], pre = [];
  const f = ACT[act][0];
  let h = X;
  net.forEach((L, k) => {
    const a = new Float64Array(N * L.n_out);
    for (let i = 0; i < N; i++) for (let o = 0; o < L.n_out; o++) {
      let v = L.b[o];
      for (let d = 0; d < L.n_in; d++) v += L.W[o * L.n_in + d] * h[i * L.n_in + d];
      a[i * L.n_out + o] = v;
    }
    pre.push(a);
    if (k < net.length - 1) { const z = new Float64Array(a.length); for (let i = 0; i < a.length; i++) z[i] = f(a[i]); h = z; } else h = a;
    outs.push(h);
  });
  return { outs, pre };
}

export function lossFlat(s, y, N, C, loss) {
  // "ce": softmax cross-entropy, L = mean_i -log p_{i,y_i}, ds = (p - t) / N (book.losses.softmax_cross_entropy)
  // "se": squared error on one-hot targets, L = mean_i sum_c (s - t)^2, ds = 2 (s - t) / N (book.losses.squared_error)
  const ds = new Float64Array(N * C);
  let L = 0;
  for (let i = 0; i < N; i++) {
    if (loss === "ce") {
      let m = -Infinity;
      for (let c = 0; c < C; c++) m = Math.max(m, s[i * C + c]);
      let z = 0;
      for (let c = 0; c < C; c++) z += Math.exp(s[i * C + c] - m);
      L += m + Math.log(z) - s[i * C + y[i]];
      for (let c = 0; c < C; c++) ds[i * C + c] = (Math.exp(s[i * C + c] - m) / z - (c === y[i] ? 1 : 0)) / N;
    } else {
      for (let c = 0; c < C; c++) { const d = s[i * C + c] - (c === y[i] ? 1 : 0); L += d * d; ds[i * C + c] = 2 * d / N; }
    }
  }
  return { L: L / N, ds };
}

export function backwardFlat(net, X, y, N, act, loss, reg) {
  // L = data loss + reg * sum_k sum(W_k^2); returns {L, grads: [{W, b}]} (book.nets.loss_and_grads for "ce")
  const { outs, pre } = forwardFlat(net, X, N, act);
  const n = net.length, C = net[n - 1].n_out;
  let { L, ds: da } = lossFlat(outs[n], y, N, C, loss);
  const grads = new Array(n), df = ACT[act][1];
  for (let k = n - 1; k >= 0; k--) {
    const Lk = net[k], h = outs[k], gW = new Float64Array(Lk.W.length), gb = new Float64Array(Lk.n_out);
    for (let i = 0; i < N; i++) for (let o = 0; o < Lk.n_out; o++) {
      const g = da[i * Lk.n_out + o];
      if (g === 0) continue;
      gb[o] += g;
      for (let d = 0; d < Lk.n_in; d++) gW[o * Lk.n_in + d] += g * h[i * Lk.n_in + d];
    }
    if (reg) for (let j = 0; j < gW.length; j++) { gW[j] += 2 * reg * Lk.W[j]; L += reg * Lk.W[j] * Lk.W[j]; }
    grads[k] = { W: gW, b: gb };
    if (k > 0) {
      const dh = new Float64Array(N * Lk.n_in), a = pre[k - 1], o2 = outs[k];
      for (let i = 0; i < N; i++) for (let d = 0; d < Lk.n_in; d++) {
        let v = 0;
        for (let o = 0; o < Lk.n_out; o++) v += da[i * Lk.n_out + o] * Lk.W[o * Lk.n_in + d];
        dh[i * Lk.n_in + d] = v * df(a[i * Lk.n_in + d], o2[i * Lk.n_in + d]);
      }
      da = dh;
    }
  }
  return { L, grads };
}

export function sgdStepFlat(net, grads, lr) {
  // param -= lr * grad (book.nets.train with momentum 0: v = -lr g, param += v)
  net.forEach((L, k) => {
    for (let j = 0; j < L.W.length; j++) L.W[j] -= lr * grads[k].W[j];
    for (let j = 0; j < L.b.length; j++) L.b[j] -= lr * grads[k].b[j];
  });
}

// plain-array wrappers: params [{W: [[...]], b: [...]}], X [[x1, x2], ...]
const toNet = (params) => params.map((p) => ({ W: Float64Array.from(p.W.flat()), b: Float64Array.from(p.b), n_in: p.W[0].length, n_out: p.W.length }));
const toParams = (net) => net.map((L) => ({ W: Array.from({ length: L.n_out }, (_, o) => Array.from(L.W.slice(o * L.n_in, (o + 1) * L.n_in))), b: Array.from(L.b) }));
const rows = (a, n) => Array.from({ length: a.length / n }, (_, i) => Array.from(a.slice(i * n, (i + 1) * n)));
export function mlpForward(params, X, act) {
  const net = toNet(params), { outs } = forwardFlat(net, Float64Array.from(X.flat()), X.length, act);
  return rows(outs[outs.length - 1], net[net.length - 1].n_out);
}
export function mlpLossAndGrads(params, X, y, act, loss = "ce", reg = 0) {
  const net = toNet(params), r = backwardFlat(net, Float64Array.from(X.flat()), Int32Array.from(y), X.length, act, loss, reg);
  return { L: r.L, grads: r.grads.map((g, k) => ({ W: rows(g.W, net[k].n_in), b: Array.from(g.b) })) };
}
export function sgdStep(params, X, y, act, lr, loss = "ce", reg = 0) {
  const net = toNet(params), r = backwardFlat(net, Float64Array.from(X.flat()), Int32Array.from(y), X.length, act, loss, reg);
  sgdStepFlat(net, r.grads, lr);
  return { L: r.L, params: toParams(net) };
}

// ---------------------------------------------------------------- the page
function render({ model, el }) {
  const sets = model.get("datasets"), perm = model.get("perm");
  const st = { ...model.get("settings") };
  const box = root(el, "lcb-playground");
  const S = 300;
  let runs = [], playing = false, steps = 0, epoch = 0, order = [], pos = 0, data, raf = 0;
  const read = h("div", { class: "lcb-read", "aria-live": "polite" });
  const hover = h("div", { class: "lcb-read", "aria-live": "polite" }, "Hover over (or focus) a unit's heat map to see its weights.");
  const counter = h("span", { class: "lcb-read", "data-steps": "0" });
  const speedNote = h("span", { class: "lcb-read" });
  const playBtn = button("Play", () => (playing ? pause() : play()));
  const stepBtn = button("Step", () => { pause(); train(1); drawAll(true); });
  const resetBtn = button("Reset", () => { pause(); reset(); });
  const ctl = {
    data: select("Data set", Object.keys(sets).map((k) => [k, k]), st.dataset, (v) => { st.dataset = v; reset(); }),
    noise: slider("noise σ", { min: 0, max: 0.5, step: 0.005, digits: 3, value: st.noise, onInput: (v) => { st.noise = v; reset(); } }),
    split: slider("training share", { min: 0.1, max: 0.9, step: 0.01, value: st.train_share, onInput: (v) => { st.train_share = v; reset(); } }),
    layers: select("Hidden layers", [0, 1, 2, 3].map((k) => [k, String(k)]), st.hidden.length, (v) => {
      st.hidden = Array.from({ length: +v }, (_, k) => st.hidden[k] || 4); unitRow(); reset(); }),
    act: select("Activation", ["relu", "tanh", "sigmoid", "linear"].map((k) => [k, k]), st.activation, (v) => { st.activation = v; reset(); }),
    lr: slider("learning rate", { min: 0.001, max: 10, kind: "log", n: 1000, digits: 3, value: st.lr, onInput: (v) => { st.lr = v; save(); } }),
    reg: slider("L2 strength", { min: 0, max: 0.05, step: 0.0001, digits: 4, value: st.reg, onInput: (v) => { st.reg = v; save(); } }),
    batch: slider("batch size", { min: 1, max: 400, step: 1, digits: 0, value: st.batch, onInput: (v) => { st.batch = v; save(); } }),
    loss: select("Loss", [["ce", "cross-entropy"], ["se", "squared error"]], st.loss, (v) => { st.loss = v; reset(); }),
    both: checkbox("both losses side by side", st.compare, (v) => { st.compare = v; reset(); }),
    speed: select("Steps per frame", [1, 2, 5, 10, 20, 50].map((k) => [k, String(k)]), st.speed, (v) => { st.speed = +v; speedNote.textContent = `(${st.speed} step${st.speed > 1 ? "s" : ""} per frame while playing)`; save(); }),
  };
  const units = h("div", { class: "lcb-row" });
  function unitRow() {
    units.replaceChildren(...st.hidden.map((u, k) => select(`Units in layer ${k + 1}`, [1, 2, 3, 4, 5, 6, 7, 8].map((j) => [j, String(j)]), u,
      (v) => { st.hidden[k] = +v; reset(); }).el));
  }
  unitRow();
  const regions = h("div", { class: "lcb-row", style: "align-items:flex-start" });
  const curves = canvas(S * 1.4, 150, "Training and test loss curves over the steps of training.");
  const unitsBox = h("div", {});
  box.append(h("div", { class: "lcb-row" }, playBtn, stepBtn, resetBtn, counter, ctl.speed.el, speedNote),
    h("div", { class: "lcb-row" }, ctl.data.el, ctl.noise.el, ctl.split.el),
    h("div", { class: "lcb-row" }, ctl.layers.el, units, ctl.act.el),
    h("div", { class: "lcb-row" }, ctl.lr.el, ctl.reg.el, ctl.batch.el),
    h("div", { class: "lcb-row" }, ctl.loss.el, ctl.both.el),
    regions, h("div", { class: "lcb-row", style: "align-items:flex-start" }, curves.el, unitsBox), hover, read);

  function save() { model.set("settings", JSON.parse(JSON.stringify(st))); model.save_changes(); }
  function makeData() {
    const d = sets[st.dataset], N = d.y.length, C = Math.max(...d.y) + 1;
    const r = rng(1000 * st.seed + Object.keys(sets).indexOf(st.dataset) + 1);   // one fixed draw e per point
    const X = d.X.map((x) => [x[0] + st.noise * r.normal(), x[1] + st.noise * r.normal()]);
    const nTr = Math.max(2, Math.min(N - 1, Math.round(st.train_share * N)));
    const tr = perm[st.dataset].slice(0, nTr), te = perm[st.dataset].slice(nTr);
    const pack = (idx) => ({ X: Float64Array.from(idx.flatMap((i) => X[i])), y: Int32Array.from(idx.map((i) => d.y[i])), N: idx.length, pts: idx.map((i) => X[i]), labels: idx.map((i) => d.y[i]) });
    return { C, lim: d.lim, train: pack(tr), test: pack(te) };
  }
  function reset() {
    data = makeData();
    const sizes = [2, ...st.hidden, data.C];
    const losses = st.compare ? [st.loss, st.loss === "ce" ? "se" : "ce"] : [st.loss];
    runs = losses.map((loss) => ({ loss, net: initNet(sizes, st.seed, st.activation), hist: [] }));
    steps = 0; epoch = 0; order = []; pos = 0;
    ctl.batch.input.max = String(data.train.N - 1);   // positions 0..N-1 are batch sizes 1..N
    if (st.batch > data.train.N) { st.batch = data.train.N; }
    ctl.batch.set(st.batch);
    layoutRegions(); record(); drawSoon(); save();
  }
  // a quick picture now (a coarse grid, smoothed), the full-resolution one once the reader pauses
  let later = 0;
  function drawSoon() { drawAll(false); clearTimeout(later); later = setTimeout(() => { if (!playing) drawAll(true); }, 120); }
  const shuffle = () => { const r = rng(st.seed * 7919 + epoch); order = Array.from({ length: data.train.N }, (_, i) => i); for (let i = order.length - 1; i > 0; i--) { const j = Math.floor(r.u() * (i + 1)); [order[i], order[j]] = [order[j], order[i]]; } pos = 0; };
  function train(n) {
    for (let t = 0; t < n; t++) {
      if (pos >= order.length) { if (order.length) epoch++; shuffle(); }
      const idx = order.slice(pos, pos + st.batch); pos += st.batch;
      const B = idx.length, X = new Float64Array(2 * B), y = new Int32Array(B);
      idx.forEach((i, j) => { X[2 * j] = data.train.X[2 * i]; X[2 * j + 1] = data.train.X[2 * i + 1]; y[j] = data.train.y[i]; });
      for (const run of runs) {
        const r = backwardFlat(run.net, X, y, B, st.activation, run.loss, st.reg);
        sgdStepFlat(run.net, r.grads, st.lr);
      }
      steps++;
    }
    record();
  }
  function evalLoss(net, part, loss) {
    if (!part.N) return NaN;
    const { outs } = forwardFlat(net, part.X, part.N, st.activation);
    return lossFlat(outs[outs.length - 1], part.y, part.N, data.C, loss).L;
  }
  function accuracy(net, part) {
    if (!part.N) return NaN;
    const { outs } = forwardFlat(net, part.X, part.N, st.activation), s = outs[outs.length - 1];
    let ok = 0;
    for (let i = 0; i < part.N; i++) { let b = 0; for (let c = 1; c < data.C; c++) if (s[i * data.C + c] > s[i * data.C + b]) b = c; ok += b === part.y[i]; }
    return ok / part.N;
  }
  function record() { for (const run of runs) run.hist.push([steps, evalLoss(run.net, data.train, run.loss), evalLoss(run.net, data.test, run.loss)]); }

  let panels = [];
  function layoutRegions() {
    panels = runs.map((run) => {
      const cv = canvas(S, S, `Decision regions of the network trained with ${run.loss === "ce" ? "cross-entropy" : "squared error"}, with training points (filled) and test points (outlined).`);
      const title = h("div", { style: "font-weight:600" }, run.loss === "ce" ? "cross-entropy" : "squared error");
      return { cv, el: h("div", {}, title, cv.el) };
    });
    regions.replaceChildren(...panels.map((p) => p.el));
    // one heat map per hidden unit (of the first run's net), hover or focus for its weights
    const net = runs[0].net;
    unitsBox.replaceChildren();
    const lay = [];
    net.forEach((L, k) => {
      const last = k === net.length - 1;
      const row = h("div", { class: "lcb-row" }, h("span", { style: "font-weight:600;width:6.5em" }, last ? "outputs" : `layer ${k + 1}`));
      const maps = [];
      for (let u = 0; u < L.n_out; u++) {
        const cv = canvas(44, 44, last ? `score of class ${u}` : `activation of unit ${u + 1} in layer ${k + 1}`);
        cv.el.tabIndex = 0;
        const show = () => {
          const w = Array.from(L.W.slice(u * L.n_in, (u + 1) * L.n_in)).map((v) => fmt(v, 3));
          const src = k === 0 ? "x₁, x₂" : `layer ${k} units 1..${L.n_in}`;
          hover.textContent = `${last ? `output (class ${u})` : `layer ${k + 1}, unit ${u + 1}`}: weights from ${src} = [${w.join(", ")}], bias = ${fmt(L.b[u], 3)}`;
        };
        cv.el.addEventListener("mouseenter", show); cv.el.addEventListener("focus", show);
        maps.push(cv); row.append(cv.el);
      }
      lay.push(maps); unitsBox.append(row);
    });
    panels.unitMaps = lay;
  }

  function drawRegion(p, run, full) {
    const ctx = p.cv.ctx, lim = data.lim, f = frame([-lim, lim], [-lim, lim], S, S, 0);
    const n = full ? Math.round(S * p.cv.dpr) : 60;
    const G = new Float64Array(2 * n * n);
    for (let j = 0; j < n; j++) for (let i = 0; i < n; i++) { G[2 * (j * n + i)] = -lim + (i + 0.5) / n * 2 * lim; G[2 * (j * n + i) + 1] = lim - (j + 0.5) / n * 2 * lim; }
    const { outs } = forwardFlat(run.net, G, n * n, st.activation), s = outs[outs.length - 1], C = data.C;
    const img = new ImageData(n, n), tints = COLORS.map(rgb);
    for (let q = 0; q < n * n; q++) {
      let m = -Infinity; for (let c = 0; c < C; c++) m = Math.max(m, s[q * C + c]);
      let z = 0, r = 0, g = 0, b = 0;
      for (let c = 0; c < C; c++) { const e = Math.exp(s[q * C + c] - m); z += e; r += e * tints[c][0]; g += e * tints[c][1]; b += e * tints[c][2]; }
      // the winning class's colour, lighter where the network is less sure
      let best = 0; for (let c = 1; c < C; c++) if (s[q * C + c] > s[q * C + best]) best = c;
      const conf = Math.exp(s[q * C + best] - m) / z, a = 0.25 + 0.45 * (conf - 1 / C) / (1 - 1 / C);
      img.data[4 * q] = 255 + (tints[best][0] - 255) * a; img.data[4 * q + 1] = 255 + (tints[best][1] - 255) * a; img.data[4 * q + 2] = 255 + (tints[best][2] - 255) * a; img.data[4 * q + 3] = 255;
    }
    const off = document.createElement("canvas"); off.width = n; off.height = n; off.getContext("2d").putImageData(img, 0, 0);
    ctx.imageSmoothingEnabled = !full; ctx.clearRect(0, 0, S, S); ctx.drawImage(off, 0, 0, S, S);
    data.train.pts.forEach((x, i) => marker(ctx, f.X(x[0]), f.Y(x[1]), data.train.labels[i], 3.5));
    data.test.pts.forEach((x, i) => { ctx.save(); ctx.globalAlpha = 0.9; ctx.beginPath(); ctx.arc(f.X(x[0]), f.Y(x[1]), 3.5, 0, 7); ctx.strokeStyle = COLORS[data.test.labels[i]]; ctx.lineWidth = 1.6; ctx.stroke(); ctx.restore(); });
    ctx.strokeStyle = "#444"; ctx.strokeRect(0.5, 0.5, S - 1, S - 1);
  }
  function drawUnits() {
    const net = runs[0].net, lim = data.lim, n = 22, G = new Float64Array(2 * n * n);
    for (let j = 0; j < n; j++) for (let i = 0; i < n; i++) { G[2 * (j * n + i)] = -lim + (i + 0.5) / n * 2 * lim; G[2 * (j * n + i) + 1] = lim - (j + 0.5) / n * 2 * lim; }
    const { outs } = forwardFlat(net, G, n * n, st.activation);
    panels.unitMaps.forEach((maps, k) => {
      const o = outs[k + 1], U = maps.length;
      let m = 1e-9; for (let q = 0; q < o.length; q++) m = Math.max(m, Math.abs(o[q]));
      maps.forEach((cv, u) => {
        const img = new ImageData(n, n);
        for (let q = 0; q < n * n; q++) {
          const v = o[q * U + u] / m;   // orange positive, blue negative, white zero
          const c = v > 0 ? [255, 127, 14] : [31, 119, 180], t = Math.min(1, Math.abs(v));
          img.data[4 * q] = 255 + (c[0] - 255) * t; img.data[4 * q + 1] = 255 + (c[1] - 255) * t; img.data[4 * q + 2] = 255 + (c[2] - 255) * t; img.data[4 * q + 3] = 255;
        }
        const off = document.createElement("canvas"); off.width = n; off.height = n; off.getContext("2d").putImageData(img, 0, 0);
        cv.ctx.imageSmoothingEnabled = true; cv.ctx.clearRect(0, 0, 44, 44); cv.ctx.drawImage(off, 0, 0, 44, 44);
        cv.ctx.strokeStyle = "#666"; cv.ctx.strokeRect(0.5, 0.5, 43, 43);
      });
    });
  }
  function drawCurves() {
    const c = curves.ctx, W = curves.w, H = curves.h;
    c.clearRect(0, 0, W, H);
    const all = runs.flatMap((r) => r.hist.flatMap((q) => [q[1], q[2]])).filter(Number.isFinite);
    const top = Math.max(1e-3, ...all), f = frame([0, Math.max(steps, 1)], [0, top * 1.05], W, H);
    axes(c, f, W, H, "steps", "loss");
    c.font = "12px sans-serif"; c.fillStyle = "#222"; c.textAlign = "right"; c.fillText(fmt(top, 2), f.pad - 2, f.pad + 8); c.fillText("0", f.pad - 2, H - f.pad);
    runs.forEach((run, k) => [1, 2].forEach((col) => {
      c.strokeStyle = k ? "#9467bd" : "#222"; c.lineWidth = 1.8; c.setLineDash(col === 2 ? [5, 4] : []);
      c.beginPath(); run.hist.forEach((q, i) => (i ? c.lineTo : c.moveTo).call(c, f.X(q[0]), f.Y(Number.isFinite(q[col]) ? q[col] : top))); c.stroke();
    }));
    c.setLineDash([]); c.textAlign = "left";
    runs.forEach((run, k) => { c.fillStyle = k ? "#9467bd" : "#222"; c.fillText(`${run.loss === "ce" ? "cross-entropy" : "squared error"}: train solid, test dashed`, f.pad + 6, f.pad + 14 + 14 * k); });
  }
  function drawAll(full) {
    runs.forEach((run, k) => drawRegion(panels[k], run, full));
    drawUnits(); drawCurves();
    counter.textContent = `step ${steps}, epoch ${epoch}`; counter.dataset.steps = String(steps);
    speedNote.textContent = `(${st.speed} step${st.speed > 1 ? "s" : ""} per frame while playing)`;
    read.textContent = runs.map((run) => { const q = run.hist[run.hist.length - 1];
      return `${run.loss === "ce" ? "cross-entropy" : "squared error"}: train loss ${fmt(q[1], 3)}, test loss ${fmt(q[2], 3)}, ` +
        `train accuracy ${fmt(100 * accuracy(run.net, data.train), 1)}%, test accuracy ${fmt(100 * accuracy(run.net, data.test), 1)}%`; }).join("\n");
  }
  function loop() {
    if (!playing) return;
    train(st.speed); drawAll(false);
    raf = requestAnimationFrame(loop);
  }
  function play() { playing = true; playBtn.textContent = "Pause"; raf = requestAnimationFrame(loop); }
  function pause() { if (playing) { playing = false; cancelAnimationFrame(raf); drawAll(true); } playBtn.textContent = "Play"; }
  reset();
  return () => { playing = false; cancelAnimationFrame(raf); };
}
export default { render };
