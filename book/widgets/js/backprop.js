// Chapter 4: backpropagation, one step at a time, on a small graph. The inputs are sliders; the
// forward pass fills in each node's value, the backward pass each node's gradient as
// upstream x local, summed over the node's uses.

const LOCAL = {
  "+": (a, b) => [1, 1], "-": (a, b) => [1, -1], "*": (a, b) => [b, a],
  "relu": (a) => [a > 0 ? 1 : 0], "tanh": (a) => [1 - Math.tanh(a) ** 2], "exp": (a) => [Math.exp(a)],
  "max": (a, b) => (a >= b ? [1, 0] : [0, 1]),
};
const FWD = {
  "+": (a, b) => a + b, "-": (a, b) => a - b, "*": (a, b) => a * b, "relu": (a) => Math.max(a, 0),
  "tanh": Math.tanh, "exp": Math.exp, "max": Math.max,
};

export function graphForwardBackward(nodes) {
  // nodes in topological order, the output last: {op: "" for an input, inputs: [indices], value}
  const v = nodes.map((n) => n.value), g = nodes.map(() => 0), locals = [];
  nodes.forEach((n, k) => {
    if (!n.op) return;
    const args = n.inputs.map((i) => v[i]);
    v[k] = FWD[n.op](...args); locals[k] = LOCAL[n.op](...args);
  });
  g[nodes.length - 1] = 1;
  for (let k = nodes.length - 1; k >= 0; k--) {
    if (nodes[k].op) nodes[k].inputs.forEach((i, j) => { g[i] += locals[k][j] * g[k]; });
  }
  return { values: v, grads: g, locals };
}

function render({ model, el }) {
  const graphs = model.get("graphs");
  let gi = model.get("graph"), step = model.get("step");
  const box = root(el, "lcb-backprop");
  const read = h("div", { class: "lcb-read", "aria-live": "polite" });
  const svgNS = "http://www.w3.org/2000/svg";
  const W = 680;
  let H = 300;
  const svg = document.createElementNS(svgNS, "svg");
  svg.setAttribute("viewBox", `0 0 ${W} ${H}`); svg.setAttribute("width", W); svg.setAttribute("style", "max-width:100%;height:auto");
  svg.setAttribute("role", "img"); svg.setAttribute("aria-label", model.get("alt"));
  const sliderRow = h("div", { class: "lcb-row" });
  const prev = button("◀ Previous step", () => { step = Math.max(0, step - 1); changed(); });
  const next = button("Next step ▶", () => { step = Math.min(frames() - 1, step + 1); changed(); });
  const counter = h("span", { class: "lcb-read" });
  const pick = select("graph", graphs.map((g, k) => [k, g.title]), gi, (v) => { gi = +v; step = 0; build(); changed(); });
  box.append(h("div", { class: "lcb-row" }, pick.el, prev, next, counter), sliderRow, svg, read);
  let nodes, values;
  const frames = () => 1 + 2 * nodes.filter((n) => n.op).length + nodes.filter((n) => !n.op).length;

  function build() {
    nodes = graphs[gi].nodes.map((n) => ({ ...n, inputs: n.inputs.slice() }));
    sliderRow.replaceChildren(...nodes.map((n, k) => n.op ? null :
      slider(n.name, { min: -5, max: 5, step: 0.01, value: n.value, onInput: (v) => { nodes[k].value = v; draw(); } }).el).filter(Boolean));
  }
  function changed() { draw(); model.set("graph", gi); model.set("step", step); model.save_changes(); }
  function draw() {
    const r = graphForwardBackward(nodes);
    const n = nodes.length, computed = nodes.map((q, k) => k).filter((k) => nodes[k].op);
    const nf = computed.length;
    // step 0: inputs; 1..nf: forward; then the backward pass over all nodes, output first
    const shownV = new Set(nodes.map((q, k) => k).filter((k) => !nodes[k].op));
    computed.slice(0, Math.min(step, nf)).forEach((k) => shownV.add(k));
    const back = step > nf ? step - nf : 0;
    const order = nodes.map((q, k) => n - 1 - k);
    const shownG = new Set(order.slice(0, back));
    const cur = step === 0 ? -1 : step <= nf ? computed[step - 1] : order[back - 1];
    // layout: column = depth
    const depth = nodes.map(() => 0);
    nodes.forEach((q, k) => { if (q.op) depth[k] = 1 + Math.max(...q.inputs.map((i) => depth[i])); });
    // an input sits just left of its first use
    nodes.forEach((q, k) => { if (q.op) q.inputs.forEach((i) => { if (!nodes[i].op) depth[i] = Math.max(depth[i], depth[k] - 1); }); });
    const D = Math.max(...depth), cols = {};
    nodes.forEach((q, k) => (cols[depth[k]] = cols[depth[k]] || []).push(k));
    H = Math.max(220, 66 * Math.max(...Object.values(cols).map((c) => c.length)) + 20);
    svg.setAttribute("viewBox", `0 0 ${W} ${H}`);
    const pos = nodes.map((q, k) => {
      const col = cols[depth[k]], j = col.indexOf(k);
      return [40 + depth[k] * (W - 120) / Math.max(D, 1), (j + 1) * H / (col.length + 1)];
    });
    svg.replaceChildren();
    const add = (tag, attrs, text) => { const e = document.createElementNS(svgNS, tag); for (const [a, v] of Object.entries(attrs)) e.setAttribute(a, v); if (text != null) e.textContent = text; svg.append(e); return e; };
    nodes.forEach((q, k) => q.inputs.forEach((i) => add("line", { x1: pos[i][0] + 36, y1: pos[i][1], x2: pos[k][0] - 36, y2: pos[k][1], stroke: "#888", "stroke-width": 1.5 })));
    nodes.forEach((q, k) => {
      const [x, y] = pos[k];
      add("rect", { x: x - 36, y: y - 28, width: 72, height: 56, rx: 6, fill: k === cur ? "#fff1c2" : "#fff", stroke: k === cur ? "#ff7f0e" : "#444", "stroke-width": k === cur ? 3 : 1.2 });
      add("text", { x, y: y - 12, "text-anchor": "middle", "font-size": 13, "font-weight": 700 }, q.op ? `${q.name}  (${q.text})` : q.name);
      add("text", { x, y: y + 5, "text-anchor": "middle", "font-size": 13, fill: "#1f4e8c" }, shownV.has(k) ? fmt(r.values[k], 3) : "?");
      add("text", { x, y: y + 21, "text-anchor": "middle", "font-size": 13, fill: "#b02020" }, shownG.has(k) ? "∂ " + fmt(r.grads[k], 3) : "");
    });
    counter.textContent = `step ${step} of ${frames() - 1}`;
    prev.disabled = step === 0; next.disabled = step === frames() - 1;
    const out = nodes[n - 1].name;
    let text;
    if (step === 0) text = "the inputs: " + nodes.filter((q) => !q.op).map((q) => `${q.name} = ${fmt(q.value, 3)}`).join(", ");
    else if (step <= nf) { const q = nodes[cur]; text = `forward: ${q.name} = ${q.op}(${q.inputs.map((i) => nodes[i].name).join(", ")}) = ${fmt(r.values[cur], 4)}`; }
    else if (cur === n - 1) text = `backward: start at the output, ∂${out}/∂${out} = 1`;
    else {
      const uses = []; nodes.forEach((q, k) => q.op && q.inputs.forEach((i, j) => { if (i === cur) uses.push(`${fmt(r.grads[k], 3)} × ${fmt(r.locals[k][j], 3)}`); }));
      text = `backward: ∂${out}/∂${nodes[cur].name} = upstream × local = ${uses.join(" + ")} = ${fmt(r.grads[cur], 4)}`;
    }
    read.textContent = text + `   (values in blue, gradients ∂${out}/∂node in red)`;
  }
  build(); draw();
}
export default { render };
