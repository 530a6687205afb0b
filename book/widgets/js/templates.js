// Chapter 2: templates. Pick a class: its template (its row of W as an image) beside the images
// that score highest and lowest for it, each with its true label and its score s_c = w_c . x + b_c.

export function rank(scores, c) {
  // indices of the images, highest score for class c first
  return scores.map((s, i) => i).sort((i, j) => scores[j][c] - scores[i][c] || i - j);
}

function render({ model, el }) {
  const names = model.get("class_names"), y = model.get("y"), S = model.get("scores");
  const [ih, iw] = model.get("image_shape"), per = model.get("sprite_columns");
  let c = model.get("c"), k = model.get("k");
  const box = root(el, "lcb-templates");
  const read = h("div", { class: "lcb-read", "aria-live": "polite" });
  const btns = names.map((n, j) => button(n, () => { c = j; changed(); }, { "aria-pressed": String(j === c) }));
  const sk = slider("images per row", { min: 1, max: Math.min(10, Math.floor(y.length / 2)), step: 1, digits: 0, value: k, onInput: (v) => { k = v; changed(); } });
  const big = canvas(128, 128, "the template of the chosen class");
  const tiles = h("div", {});
  const sprites = {};
  let pending = 2;
  for (const key of ["templates", "images"]) {
    const im = new Image();
    im.onload = () => { sprites[key] = im; if (--pending === 0) draw(); };
    im.src = model.get(key);
  }
  box.append(h("div", { class: "lcb-row", role: "group", "aria-label": "class" }, ...btns), h("div", { class: "lcb-row" }, sk.el),
             h("div", { class: "lcb-row", style: "align-items:flex-start" }, h("figure", { style: "margin:0;text-align:center" }, big.el, h("figcaption", {}, "template")), tiles), read);
  function tile(sprite, idx, size, cols = per) {
    const cv = canvas(size, size, "");
    cv.ctx.imageSmoothingEnabled = false;
    cv.ctx.drawImage(sprite, (idx % cols) * iw, Math.floor(idx / cols) * ih, iw, ih, 0, 0, size, size);
    return cv;
  }
  function changed() { draw(); model.set("c", c); model.set("k", k); model.save_changes(); }
  function draw() {
    btns.forEach((bt, j) => bt.setAttribute("aria-pressed", String(j === c)));
    if (pending) return;
    big.ctx.imageSmoothingEnabled = false;
    big.ctx.clearRect(0, 0, 128, 128);
    big.ctx.drawImage(sprites.templates, c * iw, 0, iw, ih, 0, 0, 128, 128);
    big.el.setAttribute("aria-label", `the template of class ${names[c]}: row ${c} of W drawn as an image`);
    const order = rank(S, c), top = order.slice(0, k), bottom = order.slice(-k).reverse();
    const row = (title, list) => h("div", {}, h("div", { style: "font-weight:600" }, title),
      h("div", { class: "lcb-row" }, list.map((i) => {
        const t = tile(sprites.images, i, 64);
        t.el.setAttribute("aria-label", `image of a ${names[y[i]]}, score ${fmt(S[i][c])}`);
        const ok = y[i] === c;
        return h("figure", { style: `margin:0;text-align:center;border:3px solid ${ok ? "#2ca02c" : "transparent"};padding:2px` },
          t.el, h("figcaption", { style: "font-size:12px" }, `${names[y[i]]}`, h("br"), `s = ${fmt(S[i][c])}`));
      })));
    tiles.replaceChildren(row(`highest score for ${names[c]}`, top), row(`lowest score for ${names[c]}`, bottom));
    const hits = top.filter((i) => y[i] === c).length;
    read.textContent = `${names[c]}: ${hits} of the ${k} highest-scoring images are ${names[c]} (framed in green); ` +
      `scores over all ${y.length} images range from ${fmt(S[order[order.length - 1]][c])} to ${fmt(S[order[0]][c])}.`;
  }
  draw();
}
export default { render };
