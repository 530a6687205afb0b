// Chapter 4: gradient descent on a loss small enough to draw whole. L(w) is the softmax loss of
// a two-class classifier whose only free row is the dog template w = (w1, w2), plus reg |w|^2.
// Continuous learning rate (and momentum): the path on the loss surface and the loss per step.

export function sliceLossAndGrad(w, X, y, reg) {
  // L = mean_i [log(1 + e^{s_i}) - [y_i = 0] s_i] + reg |w|^2 with s_i = w . x_i
  // dL/dw = mean_i (sigmoid(s_i) - [y_i = 0]) x_i + 2 reg w     (book.widgets.descent.slice_loss_and_grad)
  const N = X.length;
  let L = 0, g0 = 0, g1 = 0;
  for (let i = 0; i < N; i++) {
    const s = w[0] * X[i][0] + w[1] * X[i][1];
    const t = y[i] === 0 ? 1 : 0;
    L += (s > 0 ? s + Math.log1p(Math.exp(-s)) : Math.log1p(Math.exp(s))) - t * s;
    const p = s >= 0 ? 1 / (1 + Math.exp(-s)) : Math.exp(s) / (1 + Math.exp(s));
    g0 += (p - t) * X[i][0]; g1 += (p - t) * X[i][1];
  }
  return { L: L / N + reg * (w[0] * w[0] + w[1] * w[1]), g: [g0 / N + 2 * reg * w[0], g1 / N + 2 * reg * w[1]] };
}

export function descend(X, y, lr, steps, w0, reg, momentum = 0) {
  // v = momentum v - lr g; w += v (plain gradient descent when momentum = 0). Stops when w overflows.
  let w = w0.slice(), v = [0, 0];
  const path = [w.slice()], losses = [];
  for (let k = 0; k < steps; k++) {
    const { L, g } = sliceLossAndGrad(w, X, y, reg);
    losses.push(L);
    v = [momentum * v[0] - lr * g[0], momentum * v[1] - lr * g[1]];
    const nw = [w[0] + v[0], w[1] + v[1]];
    if (!(Number.isFinite(nw[0]) && Number.isFinite(nw[1]) && Math.max(Math.abs(nw[0]), Math.abs(nw[1])) < 1e100)) return { path, losses };
    w = nw; path.push(w.slice());
  }
  losses.push(sliceLossAndGrad(w, X, y, reg).L);
  return { path, losses };
}

function render({ model, el }) {
  const X = model.get("X"), y = model.get("y"), reg = model.get("reg"), start = model.get("start");
  const [[a1, b1], [a2, b2]] = model.get("window");
  let lr = model.get("lr"), steps = model.get("steps"), mu = model.get("momentum");
  const W = 330, H = 300;
  const box = root(el, "lcb-descent");
  const left = canvas(W, H, "Heat map of the loss over the two weights w1 and w2, with the path of gradient descent from the start.");
  const right = canvas(W, H, "The loss after each step of gradient descent, on a log scale.");
  const read = h("div", { class: "lcb-read", "aria-live": "polite" });
  const slr = slider("learning rate α", { min: 0.01, max: 100, kind: "log", n: 1000, digits: 3, value: lr, onInput: (v) => { lr = v; changed(); } });
  const sst = slider("steps", { min: 0, max: 100, step: 1, digits: 0, value: steps, onInput: (v) => { steps = v; changed(); } });
  const smu = slider("momentum", { min: 0, max: 0.99, step: 0.01, value: mu, onInput: (v) => { mu = v; changed(); } });
  box.append(h("div", { class: "lcb-row" }, slr.el, sst.el, smu.el), h("div", { class: "lcb-row" }, left.el, right.el), read);
  const f = frame([a1, b1], [a2, b2], W, H);
  // the loss surface, once: a heat map (log scale) at the canvas's device resolution / 2
  const gw = Math.round((W - 2 * f.pad) * left.dpr / 2), gh = Math.round((H - 2 * f.pad) * left.dpr / 2);
  const Z = new Float64Array(gw * gh);
  let zmin = Infinity, zmax = -Infinity, best = null;
  for (let j = 0; j < gh; j++) for (let i = 0; i < gw; i++) {
    const w = [a1 + (i + 0.5) / gw * (b1 - a1), b2 - (j + 0.5) / gh * (b2 - a2)];
    const L = sliceLossAndGrad(w, X, y, reg).L;
    Z[j * gw + i] = Math.log(L);
    if (L < zmin) { zmin = L; best = w; }
    zmax = Math.max(zmax, L);
  }
  const opt = descend(X, y, 0.5, 2000, start, reg);   // the minimum itself, by many small steps
  zmin = Math.min(zmin, opt.losses[opt.losses.length - 1]); best = opt.path[opt.path.length - 1];
  const img = new ImageData(gw, gh);
  const lo = Math.log(zmin), hi = Math.log(zmax);
  for (let k = 0; k < Z.length; k++) {
    const t = (Z[k] - lo) / (hi - lo);   // viridis-like ramp: dark blue (low) to yellow (high)
    img.data[4 * k] = 68 + t * 185; img.data[4 * k + 1] = 1 + t * 230; img.data[4 * k + 2] = 84 + (t < 0.5 ? t * 120 : (1 - t) * 120 - 30);
    img.data[4 * k + 3] = 255;
  }
  const heat = document.createElement("canvas"); heat.width = gw; heat.height = gh; heat.getContext("2d").putImageData(img, 0, 0);

  function changed() {
    draw();
    model.set("lr", lr); model.set("steps", steps); model.set("momentum", mu); model.save_changes();
  }
  function draw() {
    const { path, losses } = descend(X, y, lr, steps, start, reg, mu);
    let c = left.ctx;
    c.clearRect(0, 0, W, H);
    c.imageSmoothingEnabled = true;
    c.drawImage(heat, f.pad, f.pad, W - 2 * f.pad, H - 2 * f.pad);
    axes(c, f, W, H, "w₁", "w₂");
    c.save(); c.beginPath(); c.rect(f.pad, f.pad, W - 2 * f.pad, H - 2 * f.pad); c.clip();
    c.strokeStyle = "#fff"; c.lineWidth = 1.5; c.beginPath();
    path.forEach((p, k) => (k ? c.lineTo : c.moveTo).call(c, f.X(p[0]), f.Y(p[1]))); c.stroke();
    path.forEach((p) => { c.beginPath(); c.arc(f.X(p[0]), f.Y(p[1]), 2.5, 0, 7); c.fillStyle = "#d62728"; c.fill(); });
    c.restore();
    c.fillStyle = "#fff"; c.font = "bold 16px sans-serif"; c.fillText("×", f.X(best[0]) - 5, f.Y(best[1]) + 5);
    // right: loss per step, log scale
    c = right.ctx; c.clearRect(0, 0, W, H);
    const fin = losses.filter(Number.isFinite), Lmin = Math.max(zmin * 0.9, 1e-3);
    const Lmax = Math.max(...fin, 1);
    const g = frame([0, Math.max(steps, 1)], [Math.log10(Lmin), Math.log10(Lmax) + 0.05], W, H);
    axes(c, g, W, H, "step", "loss (log scale)");
    c.fillStyle = "#222"; c.font = "12px sans-serif"; c.textAlign = "right";
    c.fillText(fmt(Lmax, 2), g.pad - 2, g.pad + 10); c.fillText(fmt(Lmin, 2), g.pad - 2, H - g.pad);
    c.strokeStyle = "#1f77b4"; c.lineWidth = 2; c.beginPath();
    fin.forEach((L, k) => (k ? c.lineTo : c.moveTo).call(c, g.X(k), g.Y(Math.log10(Math.max(L, Lmin))))); c.stroke();
    c.setLineDash([4, 4]); c.strokeStyle = "#777"; c.lineWidth = 1; c.beginPath();
    c.moveTo(g.X(0), g.Y(Math.log10(zmin))); c.lineTo(g.X(Math.max(steps, 1)), g.Y(Math.log10(zmin))); c.stroke(); c.setLineDash([]);
    const last = losses[losses.length - 1];
    let turns = 0;
    for (let k = 2; k < path.length; k++) {
      const d1 = [path[k - 1][0] - path[k - 2][0], path[k - 1][1] - path[k - 2][1]], d2 = [path[k][0] - path[k - 1][0], path[k][1] - path[k - 1][1]];
      if (d1[0] * d2[0] + d1[1] * d2[1] < 0) turns++;
    }
    const verdict = path.length <= steps || !(last <= losses[0]) ? "diverges: each step lands higher up the other side"
      : turns > 0 && last - zmin < 0.05 * (losses[0] - zmin) ? `oscillates across the valley (${turns} reversals) and settles`
      : last - zmin < 0.05 * (losses[0] - zmin) ? "settles near the minimum" : "still on its way down";
    read.textContent = `α = ${fmt(lr, 3)}, momentum ${fmt(mu)}: after ${path.length - 1} steps w = (${fmt(path[path.length - 1][0])}, ${fmt(path[path.length - 1][1])}), ` +
      `L = ${fmt(last, 4)} (minimum ${fmt(zmin, 4)}, marked ×); ${steps ? verdict : "no step yet"}.`;
  }
  draw();
}
export default { render };
