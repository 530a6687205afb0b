// Chapter 1: drag the decision line. The perceptron answers sign(w . x + b); drag w's head
// (turns the line) or the line itself (moves b), or use the sliders; step through the data
// with the perceptron rule.

export function perceptronStep(w, b, x, y, lr = 1) {
  // one example: if y (w . x + b) <= 0 then w += lr y x, b += lr y (book.linear.perceptron_epoch)
  const m = y * (w[0] * x[0] + w[1] * x[1] + b);
  if (m <= 0) return { w: [w[0] + lr * y * x[0], w[1] + lr * y * x[1]], b: b + lr * y, mistake: true, margin: m };
  return { w: [w[0], w[1]], b, mistake: false, margin: m };
}

export function perceptronEpoch(X, y, w, b, lr = 1) {
  let mistakes = 0;
  for (let i = 0; i < X.length; i++) {
    const r = perceptronStep(w, b, X[i], y[i], lr);
    w = r.w; b = r.b; mistakes += r.mistake;
  }
  return { w, b, mistakes };
}

export function misclassified(X, y, w, b) {
  return X.map((x, i) => y[i] * (w[0] * x[0] + w[1] * x[1] + b) <= 0);
}

function render({ model, el }) {
  const X = model.get("X"), y = model.get("y");
  let w = model.get("w").slice(), b = model.get("b"), next = 0, last = null, passes = 0, cur = 0, passLog = "";
  const lim = model.get("lim");
  const W = 440, H = 400;
  const box = root(el, "lcb-perceptron");
  const cv = canvas(W, H, model.get("alt"));
  const f = frame([-lim, lim], [-lim, lim], W, H);
  const read = h("div", { class: "lcb-read", "aria-live": "polite" });
  const stepRead = h("div", { class: "lcb-read" });
  const s1 = slider("w₁", { min: -3, max: 3, step: 0.01, value: w[0], onInput: (v) => { w[0] = v; changed(); } });
  const s2 = slider("w₂", { min: -3, max: 3, step: 0.01, value: w[1], onInput: (v) => { w[1] = v; changed(); } });
  const sb = slider("b", { min: -4, max: 4, step: 0.01, value: b, onInput: (v) => { b = v; changed(); } });
  const one = () => {
    const i = next % X.length, r = perceptronStep(w, b, X[i], y[i], 1);
    last = { i, ...r };
    w = r.w; b = r.b; next = i + 1; cur += r.mistake;
    if (next === X.length) {
      passes++; passLog = `pass ${passes} made ${cur} update${cur === 1 ? "" : "s"}` + (cur === 0 ? ": converged" : "");
      next = 0; cur = 0;
    }
  };
  const step = button("Perceptron step", () => { one(); sync(); changed(); });
  const pass = button("Rest of the pass", () => { do one(); while (next !== 0); sync(); changed(); });
  const reset = button("Reset", () => { w = model.get("w0").slice(); b = model.get("b0"); next = 0; last = null; passes = 0; cur = 0; passLog = ""; sync(); changed(); });
  box.append(h("div", { class: "lcb-row" }, s1.el, s2.el, sb.el), h("div", { class: "lcb-row" }, step, pass, reset), cv.el, read, stepRead);

  function sync() { s1.set(w[0]); s2.set(w[1]); sb.set(b); }
  function changed() {
    draw();
    model.set("w", [w[0], w[1]]); model.set("b", b); model.save_changes();
  }
  function draw() {
    const c = cv.ctx;
    c.clearRect(0, 0, W, H);
    const x0 = f.xlim[0], x1 = f.xlim[1], y0 = f.ylim[0], y1 = f.ylim[1];
    // the two half-planes, tinted: clip the +1 side by the line's polygon
    c.fillStyle = TINTS[0]; c.fillRect(f.X(x0), f.Y(y1), f.X(x1) - f.X(x0), f.Y(y0) - f.Y(y1));
    const corners = [[x0, y0], [x1, y0], [x1, y1], [x0, y1]];
    const poly = clip(corners, w, b);
    if (poly.length) {
      c.beginPath(); poly.forEach(([px, py], k) => (k ? c.lineTo : c.moveTo).call(c, f.X(px), f.Y(py)));
      c.closePath(); c.fillStyle = TINTS[1]; c.fill();
    }
    axes(c, f, W, H, "x₁", "x₂");
    // the line w . x + b = 0
    const seg = clip(corners, w, b, true);
    if (seg.length === 2) {
      c.strokeStyle = "#111"; c.lineWidth = 2.5; c.beginPath();
      c.moveTo(f.X(seg[0][0]), f.Y(seg[0][1])); c.lineTo(f.X(seg[1][0]), f.Y(seg[1][1])); c.stroke();
    }
    const wrong = misclassified(X, y, w, b);
    X.forEach((x, i) => {
      marker(c, f.X(x[0]), f.Y(x[1]), y[i] > 0 ? 1 : 0);
      if (wrong[i]) { c.strokeStyle = "#d62728"; c.lineWidth = 2; c.beginPath(); c.arc(f.X(x[0]), f.Y(x[1]), 8, 0, 7); c.stroke(); }
    });
    if (last) { const p = X[last.i]; c.strokeStyle = "#000"; c.lineWidth = 2; c.strokeRect(f.X(p[0]) - 10, f.Y(p[1]) - 10, 20, 20); }
    arrow(c, f.X(0), f.Y(0), f.X(w[0]), f.Y(w[1]), "#222", 3);
    c.beginPath(); c.arc(f.X(w[0]), f.Y(w[1]), 6, 0, 7); c.fillStyle = "#ffd400"; c.fill(); c.strokeStyle = "#222"; c.stroke();
    const n = Math.hypot(w[0], w[1]), k = wrong.filter(Boolean).length;
    read.textContent = `w = (${fmt(w[0])}, ${fmt(w[1])}), b = ${fmt(b)}, ‖w‖ = ${fmt(n)}; ` +
      `${k} of ${X.length} points misclassified (ringed in red)` +
      (n > 0 ? `; the line is ${fmt(Math.abs(b) / n)} from the origin` : "; w = 0: no line, every score is b");
    stepRead.textContent = last
      ? `step on point ${last.i + 1} (label ${y[last.i] > 0 ? "+1" : "−1"}): y(w·x+b) = ${fmt(last.margin)}` +
        (last.mistake ? ` ≤ 0, a mistake: w ← w + y x, b ← b + y` : " > 0, right: no change")
      : "Perceptron step visits the points in order and applies the rule at each mistake.";
    stepRead.textContent += `\npasses completed: ${passes}; next point: ${next + 1} of ${X.length}` + (passLog ? `; ${passLog}` : "");
  }
  // dragging: near w's head turns w; elsewhere moves the line along w (changes b)
  let drag = null;
  cv.el.addEventListener("pointerdown", (e) => {
    const r = cv.el.getBoundingClientRect(), px = (e.clientX - r.left) * W / r.width, py = (e.clientY - r.top) * H / r.height;
    const head = Math.hypot(px - f.X(w[0]), py - f.Y(w[1])) < 14;
    drag = { head, x: f.x(px), y: f.y(py), b };
    cv.el.setPointerCapture(e.pointerId);
  });
  cv.el.addEventListener("pointermove", (e) => {
    if (!drag) return;
    const r = cv.el.getBoundingClientRect(), px = (e.clientX - r.left) * W / r.width, py = (e.clientY - r.top) * H / r.height;
    const x = f.x(px), yy = f.y(py);
    if (drag.head) { w = [clamp(x, -3, 3), clamp(yy, -3, 3)]; }
    else { b = clamp(drag.b - (w[0] * (x - drag.x) + w[1] * (yy - drag.y)), -4, 4); }
    sync(); changed();
  });
  const end = () => { drag = null; };
  cv.el.addEventListener("pointerup", end); cv.el.addEventListener("pointercancel", end);
  draw();
}
function clamp(v, a, z) { return Math.min(z, Math.max(a, v)); }
// the part of a convex polygon where w . x + b >= 0 (or, with line=true, the segment on the line)
function clip(poly, w, b, line = false) {
  const out = [], seg = [];
  for (let k = 0; k < poly.length; k++) {
    const p = poly[k], q = poly[(k + 1) % poly.length];
    const sp = w[0] * p[0] + w[1] * p[1] + b, sq = w[0] * q[0] + w[1] * q[1] + b;
    if (sp >= 0) out.push(p);
    if ((sp >= 0) !== (sq >= 0)) { const t = sp / (sp - sq); const r = [p[0] + t * (q[0] - p[0]), p[1] + t * (q[1] - p[1])]; out.push(r); seg.push(r); }
  }
  return line ? seg : out;
}
export default { render };
