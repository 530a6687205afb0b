// ui.js: helpers shared by every explorer (controls, canvases, colours).
// Each explorer's module is this file followed by the explorer's own file, as one ES module
// (book.widgets.esm_source joins them); the same text runs in Jupyter and in the book.

export const COLORS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                       "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];
export const TINTS = COLORS.map((c) => mix(c, "#ffffff", 0.78));

export function mix(a, b, t) {
  const p = (c) => [1, 3, 5].map((i) => parseInt(c.slice(i, i + 2), 16));
  const [x, y] = [p(a), p(b)];
  return "#" + x.map((v, i) => Math.round(v + (y[i] - v) * t).toString(16).padStart(2, "0")).join("");
}
export function rgb(c) { return [1, 3, 5].map((i) => parseInt(c.slice(i, i + 2), 16)); }

let uid = 0;
export function h(tag, attrs = {}, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "style") e.style.cssText = v;
    else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else if (v !== false && v != null) e.setAttribute(k, v === true ? "" : v);
  }
  for (const k of kids.flat()) if (k != null) e.append(k);
  return e;
}

export function fmt(v, d = 2) {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a !== 0 && (a >= 1e4 || a < 1e-3)) return v.toExponential(2).replace("e+", "e");
  return v.toFixed(d).replace(/^-(0\.?0*)$/, "$1");
}

// A labelled range input. kind "lin": value = min + i * step; kind "log": positions spread
// evenly on a log scale between min and max (n positions). Returns {el, input, get, set}.
export function slider(label, { min, max, value, step = 0.01, kind = "lin", n = 1000, digits = 2, onInput }) {
  const id = "lcb-in-" + (++uid) + "-" + Math.random().toString(36).slice(2, 7);
  const toPos = kind === "log" ? (v) => Math.round(Math.log(v / min) / Math.log(max / min) * n)
                               : (v) => Math.round((v - min) / step);
  const toVal = kind === "log" ? (i) => +(min * Math.pow(max / min, i / n)).toPrecision(12) : (i) => +(min + i * step).toFixed(10);
  const top = kind === "log" ? n : Math.round((max - min) / step);
  const input = h("input", { type: "range", id, min: 0, max: top, step: 1, value: toPos(value) });
  const out = h("output", { for: id, class: "lcb-val" });
  const show = () => {
    const text = fmt(toVal(+input.value), digits);
    out.textContent = text;
    input.setAttribute("aria-valuetext", `${label} = ${text}`);
  };
  input.addEventListener("input", () => { show(); onInput && onInput(toVal(+input.value)); });
  show();
  const el = h("div", { class: "lcb-ctl" }, h("label", { for: id }, label), input, out);
  return { el, input, get: () => toVal(+input.value), set(v) { input.value = toPos(v); show(); } };
}

export function select(label, options, value, onChange) {
  const id = "lcb-sel-" + (++uid) + "-" + Math.random().toString(36).slice(2, 7);
  const sel = h("select", { id }, options.map(([v, text]) => h("option", { value: v }, text)));
  sel.value = String(value);
  sel.addEventListener("change", () => onChange(sel.value));
  return { el: h("div", { class: "lcb-ctl" }, h("label", { for: id }, label), sel), input: sel };
}

export function button(text, onClick, attrs = {}) {
  return h("button", { type: "button", class: "lcb-btn", onclick: onClick, ...attrs }, text);
}

export function checkbox(label, checked, onChange) {
  const id = "lcb-cb-" + (++uid) + "-" + Math.random().toString(36).slice(2, 7);
  const box = h("input", { type: "checkbox", id });
  box.checked = !!checked;
  box.addEventListener("change", () => onChange(box.checked));
  return { el: h("div", { class: "lcb-ctl lcb-check" }, box, h("label", { for: id }, label)), input: box };
}

// A canvas drawn at the display's pixel ratio; ctx works in CSS pixels.
export function canvas(w, hgt, label) {
  // narrower screens shrink it, keeping its proportions (height follows the width)
  const c = h("canvas", { role: "img", "aria-label": label, style: `width:${w}px;max-width:100%;height:auto;aspect-ratio:${w}/${hgt}` });
  const dpr = Math.max(1, window.devicePixelRatio || 1);
  c.width = Math.round(w * dpr); c.height = Math.round(hgt * dpr);
  const ctx = c.getContext("2d");
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  return { el: c, ctx, w, h: hgt, dpr };
}

// A linear map from data coordinates to canvas pixels (y up).
export function frame(xlim, ylim, w, hgt, pad = 28) {
  const sx = (w - 2 * pad) / (xlim[1] - xlim[0]), sy = (hgt - 2 * pad) / (ylim[1] - ylim[0]);
  return {
    xlim, ylim, pad,
    X: (x) => pad + (x - xlim[0]) * sx,
    Y: (y) => hgt - pad - (y - ylim[0]) * sy,
    x: (px) => xlim[0] + (px - pad) / sx,
    y: (py) => ylim[0] + (hgt - pad - py) / sy,
  };
}

export function axes(ctx, f, w, hgt, xlabel, ylabel) {
  ctx.save();
  ctx.strokeStyle = "#444"; ctx.fillStyle = "#222"; ctx.lineWidth = 1; ctx.font = "12px sans-serif";
  ctx.strokeRect(f.pad, f.pad, w - 2 * f.pad, hgt - 2 * f.pad);
  ctx.textAlign = "center";
  if (xlabel) ctx.fillText(xlabel, w / 2, hgt - 6);
  if (ylabel) { ctx.translate(11, hgt / 2); ctx.rotate(-Math.PI / 2); ctx.fillText(ylabel, 0, 0); }
  ctx.restore();
}

export function marker(ctx, x, y, k, r = 4.5) {
  // one shape per class as well as one colour: circle, square, triangle, diamond
  ctx.beginPath();
  if (k % 4 === 0) ctx.arc(x, y, r, 0, 2 * Math.PI);
  else if (k % 4 === 1) ctx.rect(x - r * 0.9, y - r * 0.9, 1.8 * r, 1.8 * r);
  else if (k % 4 === 2) { ctx.moveTo(x, y - r * 1.1); ctx.lineTo(x + r, y + r * 0.8); ctx.lineTo(x - r, y + r * 0.8); ctx.closePath(); }
  else { ctx.moveTo(x, y - r * 1.2); ctx.lineTo(x + r, y); ctx.lineTo(x, y + r * 1.2); ctx.lineTo(x - r, y); ctx.closePath(); }
  ctx.fillStyle = COLORS[k % 10]; ctx.fill();
  ctx.strokeStyle = "#fff"; ctx.lineWidth = 1; ctx.stroke();
}

export function arrow(ctx, x0, y0, x1, y1, color, width = 2.5) {
  const a = Math.atan2(y1 - y0, x1 - x0), L = 10;
  ctx.save(); ctx.strokeStyle = color; ctx.fillStyle = color; ctx.lineWidth = width;
  ctx.beginPath(); ctx.moveTo(x0, y0); ctx.lineTo(x1 - 0.8 * L * Math.cos(a), y1 - 0.8 * L * Math.sin(a)); ctx.stroke();
  ctx.beginPath(); ctx.moveTo(x1, y1);
  ctx.lineTo(x1 - L * Math.cos(a - 0.4), y1 - L * Math.sin(a - 0.4));
  ctx.lineTo(x1 - L * Math.cos(a + 0.4), y1 - L * Math.sin(a + 0.4)); ctx.closePath(); ctx.fill();
  ctx.restore();
}

const CSS = `
.lcb-x{font:14px/1.4 system-ui,sans-serif;color:#222;background:#fff;border:1px solid #ccc;border-radius:6px;padding:8px;max-width:100%;box-sizing:border-box}
.lcb-x .lcb-row{display:flex;flex-wrap:wrap;gap:6px 16px;align-items:center;margin:4px 0}
.lcb-x .lcb-ctl{display:flex;align-items:center;gap:6px;white-space:nowrap}
.lcb-x .lcb-ctl label{font-weight:600}
.lcb-x .lcb-ctl input[type=range]{width:150px}
.lcb-x .lcb-val{font-family:ui-monospace,monospace;min-width:4.5em}
.lcb-x .lcb-btn{font:inherit;padding:2px 10px;border:1px solid #888;border-radius:4px;background:#f4f4f4;color:#111;cursor:pointer}
.lcb-x .lcb-btn[aria-pressed=true]{background:#1f4e8c;color:#fff;border-color:#1f4e8c}
.lcb-x .lcb-read{font-family:ui-monospace,monospace;font-size:13px;white-space:pre-wrap;min-height:1.4em}
.lcb-x canvas{display:block;touch-action:none}
.lcb-x :focus-visible{outline:2px solid #1f4e8c;outline-offset:2px}
`;
export function root(el, cls) {
  const box = h("div", { class: "lcb-x " + (cls || "") });
  box.append(h("style", {}, CSS));
  el.append(box);
  return box;
}
