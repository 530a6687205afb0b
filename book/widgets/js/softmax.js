// Chapter 3: softmax with temperature. Continuous scores, temperature T and the correct class;
// the probabilities, the gradient of the loss with respect to the scores, and the loss as a
// curve over the correct class's score with the current point on it.

export function softmax(s, T = 1) {
  // p = softmax(s / T), computed as book.losses.softmax does: shift by the max first
  const z = s.map((v) => v / T), m = Math.max(...z);
  const e = z.map((v) => Math.exp(v - m)), sum = e.reduce((a, v) => a + v, 0);
  return e.map((v) => v / sum);
}

export function crossEntropy(s, y, T = 1) {
  // L = -log softmax(s / T)_y and dL/ds = (p - t) / T (book.losses.softmax_cross_entropy on s / T)
  const z = s.map((v) => v / T), m = Math.max(...z);
  const lse = m + Math.log(z.reduce((a, v) => a + Math.exp(v - m), 0));
  const p = softmax(s, T);
  return { L: lse - z[y], ds: p.map((v, c) => (v - (c === y ? 1 : 0)) / T), p };
}

function render({ model, el }) {
  const names = model.get("classes");
  let s = model.get("s").slice(), T = model.get("T"), y = model.get("y");
  const C = names.length, W = 640, H = 300;
  const box = root(el, "lcb-softmax");
  const cv = canvas(W, H, model.get("alt"));
  const read = h("div", { class: "lcb-read", "aria-live": "polite" });
  const sliders = names.map((n, c) => slider(`score ${n}`, { min: -10, max: 10, step: 0.01, value: s[c],
    onInput: (v) => { s[c] = v; changed(); } }));
  const temp = slider("temperature T", { min: 0.1, max: 10, kind: "log", n: 1000, value: T, onInput: (v) => { T = v; changed(); } });
  const cls = select("correct class", names.map((n, c) => [c, n]), y, (v) => { y = +v; changed(); });
  box.append(h("div", { class: "lcb-row" }, ...sliders.map((q) => q.el)), h("div", { class: "lcb-row" }, temp.el, cls.el), cv.el, read);

  function changed() {
    draw();
    model.set("s", s.slice()); model.set("T", T); model.set("y", y); model.save_changes();
  }
  function draw() {
    const c = cv.ctx, r = crossEntropy(s, y, T);
    c.clearRect(0, 0, W, H);
    c.font = "12px sans-serif";
    // left: probabilities (bars) and gradient (bars around 0)
    const bw = 34, x0 = 50, top = 34, ph = 80, gy = 225, gh = 45;
    c.fillStyle = "#222"; c.textAlign = "left";
    c.fillText("probabilities p = softmax(s / T)", 8, 16);
    c.fillText("gradient dL/ds = (p − t) / T", 8, 160);
    c.strokeStyle = "#999"; c.beginPath(); c.moveTo(x0 - 10, top + ph); c.lineTo(x0 + C * 60, top + ph); c.moveTo(x0 - 10, gy); c.lineTo(x0 + C * 60, gy); c.stroke();
    const gmax = Math.max(1, ...r.ds.map(Math.abs));
    names.forEach((n, k) => {
      const x = x0 + k * 60;
      c.fillStyle = k === y ? "#2ca02c" : "#7f7f7f";
      c.fillRect(x, top + ph - r.p[k] * ph, bw, r.p[k] * ph);
      const g = r.ds[k] / gmax * gh;
      c.fillRect(x, Math.min(gy, gy - g), bw, Math.abs(g));
      c.fillStyle = "#222"; c.textAlign = "center";
      c.fillText(fmt(r.p[k], 3), x + bw / 2, top + ph - r.p[k] * ph - 4);
      c.fillText(n, x + bw / 2, top + ph + 14);
      c.fillText(fmt(r.ds[k], 3), x + bw / 2, g > 0 ? gy - g - 4 : gy - g + 13);
    });
    // right: L as a function of the correct class's score, others fixed
    const L0 = 330, R0 = W - 10, T0 = 24, B0 = H - 34;
    const pts = [];
    for (let i = 0; i <= 200; i++) {
      const v = -10 + i * 0.1, t = s.slice(); t[y] = v; pts.push([v, crossEntropy(t, y, T).L]);
    }
    const Lmax = Math.max(1, ...pts.map((p) => p[1]).filter(Number.isFinite));
    const X = (v) => L0 + (v + 10) / 20 * (R0 - L0), Y = (L) => B0 - Math.min(L, Lmax) / Lmax * (B0 - T0);
    c.strokeStyle = "#444"; c.strokeRect(L0, T0, R0 - L0, B0 - T0);
    c.strokeStyle = "#1f77b4"; c.lineWidth = 2; c.beginPath();
    pts.forEach(([v, L], i) => (i ? c.lineTo : c.moveTo).call(c, X(v), Y(L))); c.stroke(); c.lineWidth = 1;
    c.beginPath(); c.arc(X(s[y]), Y(r.L), 5, 0, 7); c.fillStyle = "#d62728"; c.fill();
    c.fillStyle = "#222"; c.textAlign = "center";
    c.fillText(`loss L over the score of ${names[y]} (others fixed)`, (L0 + R0) / 2, 16);
    c.fillText(`score of ${names[y]}`, (L0 + R0) / 2, H - 6);
    [-10, -5, 0, 5, 10].forEach((v) => c.fillText(String(v), X(v), B0 + 13));
    c.textAlign = "right"; c.fillText(fmt(Lmax, 1), L0 - 3, T0 + 8); c.fillText("0", L0 - 3, B0);
    read.textContent = `s = (${s.map((v) => fmt(v)).join(", ")}), T = ${fmt(T)}, correct class ${names[y]}: ` +
      `p = (${r.p.map((v) => fmt(v, 3)).join(", ")}), L = −log p_${names[y]} = ${fmt(r.L, 3)}`;
  }
  draw();
}
export default { render };
