// Chapter 2: a linear classifier on 2-D inputs, s = W x + b, its argmax regions and the lines
// s_c = 0. Set any class's (w_c, b_c); scale that class's row and bias together, or all of W
// and b: the argmax regions depend only on the scores' order.

export function scores(X, W, b) {
  // s = X @ W.T + b (book.linear.scores)
  return X.map((x) => W.map((w, c) => w.reduce((a, v, d) => a + v * x[d], 0) + b[c]));
}
export function predict(X, W, b) {
  return scores(X, W, b).map((s) => s.indexOf(Math.max(...s)));
}

function render({ model, el }) {
  const X = model.get("X"), y = model.get("y"), names = model.get("class_names"), lim = model.get("lim");
  const W0 = model.get("W").map((r) => r.slice()), b0 = model.get("b").slice();
  let Wm = model.get("W").map((r) => r.slice()), bm = model.get("b").slice(), c = model.get("c");
  let kc = 1, kall = 1;
  const C = Wm.length, S = 420;
  const box = root(el, "lcb-plane");
  const cv = canvas(S, S, model.get("alt"));
  const f = frame([-lim, lim], [-lim, lim], S, S);
  const read = h("div", { class: "lcb-read", "aria-live": "polite" });
  const s1 = slider("w_c,1", { min: -3, max: 3, step: 0.01, value: Wm[c][0], onInput: (v) => { Wm[c][0] = v; changed(); } });
  const s2 = slider("w_c,2", { min: -3, max: 3, step: 0.01, value: Wm[c][1], onInput: (v) => { Wm[c][1] = v; changed(); } });
  const sb = slider("b_c", { min: -5, max: 5, step: 0.01, value: bm[c], onInput: (v) => { bm[c] = v; changed(); } });
  const sk = slider("scale (w_c, b_c) by", { min: 0.1, max: 10, kind: "log", n: 500, value: 1, onInput: (v) => { kc = v; changed(); } });
  const sa = slider("scale all of W, b by", { min: 0.1, max: 10, kind: "log", n: 500, value: 1, onInput: (v) => { kall = v; changed(); } });
  const btns = names.map((n, k) => button(`class ${k}: ${n}`, () => pick(k), { "aria-pressed": String(k === c), style: `border-left:6px solid ${COLORS[k]}` }));
  const reset = button("Reset", () => { Wm = W0.map((r) => r.slice()); bm = b0.slice(); kc = 1; kall = 1; sk.set(1); sa.set(1); pick(c); });
  box.append(h("div", { class: "lcb-row", role: "group", "aria-label": "class to edit" }, ...btns, reset),
             h("div", { class: "lcb-row" }, s1.el, s2.el, sb.el), h("div", { class: "lcb-row" }, sk.el, sa.el), cv.el, read);
  function pick(k) {
    c = k; btns.forEach((bt, j) => bt.setAttribute("aria-pressed", String(j === k)));
    s1.set(Wm[c][0]); s2.set(Wm[c][1]); sb.set(bm[c]);
    const sub = String(c).replace(/\d/g, (d) => "₀₁₂₃₄₅₆₇₈₉"[d]);
    s1.el.querySelector("label").textContent = `w${sub},₁`; s2.el.querySelector("label").textContent = `w${sub},₂`;
    sb.el.querySelector("label").textContent = `b${sub}`;
        changed();
  }
  function effective() {
    const W = Wm.map((r, k) => r.map((v) => v * kall * (k === c ? kc : 1)));
    const b = bm.map((v, k) => v * kall * (k === c ? kc : 1));
    return { W, b };
  }
  const tints = TINTS.map(rgb);
  let img = null, xs = null;   // the regions' pixels, reused from one redraw to the next
  function changed() {
    draw();
    model.set("W", Wm.map((r) => r.slice())); model.set("b", bm.slice()); model.set("c", c); model.save_changes();
  }
  function draw() {
    const { W, b } = effective(), ctx = cv.ctx;
    // argmax regions at the device's pixel resolution
    const px0 = Math.round(f.pad * cv.dpr), n = Math.round((S - 2 * f.pad) * cv.dpr);
    if (!img || img.width !== n) {
      img = ctx.createImageData(n, n);
      xs = Float64Array.from({ length: n }, (_, i) => f.x(f.pad + (i + 0.5) / cv.dpr));
    }
    const base = new Float64Array(C), data = img.data;
    for (let j = 0; j < n; j++) {
      const yy = f.y(f.pad + (j + 0.5) / cv.dpr);
      for (let k = 0; k < C; k++) base[k] = W[k][1] * yy + b[k];
      for (let i = 0, o = 4 * j * n; i < n; i++, o += 4) {
        const xx = xs[i];
        let best = 0, bs = W[0][0] * xx + base[0];
        for (let k = 1; k < C; k++) { const s = W[k][0] * xx + base[k]; if (s > bs) { bs = s; best = k; } }
        const t = tints[best];
        data[o] = t[0]; data[o + 1] = t[1]; data[o + 2] = t[2]; data[o + 3] = 255;
      }
    }
    ctx.clearRect(0, 0, S, S);
    ctx.putImageData(img, px0, px0);
    axes(ctx, f, S, S, "x₁", "x₂");
    ctx.save(); ctx.beginPath(); ctx.rect(f.pad, f.pad, S - 2 * f.pad, S - 2 * f.pad); ctx.clip();
    for (let k = 0; k < C; k++) {
      const w = W[k], n2 = w[0] * w[0] + w[1] * w[1];
      if (n2 === 0) continue;
      const foot = [-b[k] * w[0] / n2, -b[k] * w[1] / n2], d = [-w[1] / Math.sqrt(n2), w[0] / Math.sqrt(n2)], R = 4 * lim;
      ctx.strokeStyle = COLORS[k]; ctx.lineWidth = k === c ? 3 : 1.5; ctx.setLineDash(k === c ? [] : [6, 4]);
      ctx.beginPath(); ctx.moveTo(f.X(foot[0] - R * d[0]), f.Y(foot[1] - R * d[1])); ctx.lineTo(f.X(foot[0] + R * d[0]), f.Y(foot[1] + R * d[1])); ctx.stroke();
      ctx.setLineDash([]);
      arrow(ctx, f.X(foot[0]), f.Y(foot[1]), f.X(foot[0] + w[0]), f.Y(foot[1] + w[1]), COLORS[k], k === c ? 3 : 2);
    }
    X.forEach((x, i) => marker(ctx, f.X(x[0]), f.Y(x[1]), y[i]));
    ctx.restore();
    const pred = predict(X, W, b), acc = pred.filter((p, i) => p === y[i]).length / X.length;
    const n2 = W[c][0] ** 2 + W[c][1] ** 2, wins = pred.filter((p) => p === c).length;
    read.textContent = `class ${c} (${names[c]}): w = (${fmt(W[c][0])}, ${fmt(W[c][1])}), b = ${fmt(b[c])}` +
      (n2 > 0 ? `, line s = 0 at distance ${fmt(-b[c] / Math.sqrt(n2))} from the origin along w` : ", w = 0: the score is the constant b") +
      `\nclass ${c} wins ${wins} of ${X.length} points; accuracy ${fmt(100 * acc, 1)}%` +
      `; scale all = ${fmt(kall)}, scale class ${c} = ${fmt(kc)}`;
  }
  pick(c);
}
export default { render };
