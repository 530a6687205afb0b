"""The explorers in Chromium: their maths against the library's, and every control on the built book.

1. The page's maths equals the library's: each module's exported functions run in Chromium on the
   same inputs as ``book``'s Python functions, to a relative error of 1e-9 (float64 both sides).
2. The built book: every explorer starts; every control moves by keyboard and by pointer, and the
   picture (canvases, SVG and readouts) changes; each chapter page weighs at most 1.0 MB gzipped
   with everything it loads; axe-core finds no serious or critical violation; a page opened
   from file:// runs its explorers too.
"""
from __future__ import annotations

import gzip
import hashlib
from pathlib import Path

import numpy as np
import pytest
import yaml

from book import graph, layers, linear, losses, nets
from book.sphinxext import explorer_scripts
from book.widgets import MODULES
from book.widgets.descent import GRAPHS, descend, slice_loss_and_grad, slice_problem, stepper_graph

TOL = 1e-9
ROOT = Path(__file__).resolve().parents[2]
CHAPTERS = [c["file"] for part in yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8")).get("parts", [])
            for c in part.get("chapters", []) if c["file"].startswith("chapters/")]


def rel(a, b):
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    assert a.shape == b.shape, f"shapes differ: page {a.shape}, library {b.shape}"
    scale = max(np.max(np.abs(b)) if b.size else 0.0, 1e-300)
    return float(np.max(np.abs(a - b)) / scale) if a.size else 0.0


# ---------------------------------------------------------------- 1. the maths
@pytest.fixture(scope="module")
def js(browser):
    """A page holding every module; call(module, function, *args) runs one exported function."""
    page = browser.new_page()
    body = "".join(f'<div data-lcb-module="{m}"></div>' for m in MODULES)
    scripts = explorer_scripts(body).rsplit("<script>", 1)[0]          # the modules, not the shim
    page.set_content(f"<!doctype html><html lang=en><title>maths</title><body>{scripts}</body></html>")
    page.evaluate("""async () => { window.M = {};
      for (const s of document.querySelectorAll('script[data-lcb-esm]')) {
        const url = URL.createObjectURL(new Blob([s.textContent], {type: 'text/javascript'}));
        window.M[s.dataset.lcbEsm] = await import(url); } }""")

    def call(module, fn, *args):
        return page.evaluate("([m, f, args]) => window.M[m][f](...args)", [module, fn, list(args)])
    yield call
    page.close()


def test_softmax_and_cross_entropy_equal_the_library(js):
    rng = np.random.default_rng(0)
    for T in (0.1, 0.5, 1.0, 3.7, 10.0):
        s = rng.uniform(-10, 10, size=4)
        y = int(rng.integers(4))
        assert rel(js("softmax", "softmax", s.tolist(), T), losses.softmax(s / T)) < TOL
        r = js("softmax", "crossEntropy", s.tolist(), y, T)
        L, dz = losses.softmax_cross_entropy(s / T, y)
        assert rel(r["L"], L) < TOL and rel(r["ds"], dz / T) < TOL


def test_perceptron_rule_equals_the_library(js):
    rng = np.random.default_rng(1)
    X = rng.normal(size=(30, 2))
    y = np.where(X @ [1.0, -2.0] + 0.3 + rng.normal(0, 0.5, 30) > 0, 1, -1)
    for w, b, lr in [([0.0, 0.0], 0.0, 1.0), ([1.5, -0.5], 0.7, 0.3)]:
        r = js("perceptron", "perceptronEpoch", X.tolist(), y.tolist(), w, b, lr)
        w_py, b_py, mistakes = linear.perceptron_epoch(X, y, np.array(w), b, lr)
        assert rel(r["w"], w_py) < TOL and rel(r["b"], b_py) < TOL and r["mistakes"] == mistakes
    one = js("perceptron", "perceptronStep", [0.5, 0.5], 0.0, [1.0, -2.0], 1, 1.0)   # y (w.x + b) = -0.5: update
    assert one["mistake"] and one["w"] == [1.5, -1.5] and one["b"] == 1.0


def test_linear_scores_equal_the_library(js):
    rng = np.random.default_rng(2)
    X, W, b = rng.normal(size=(7, 2)), rng.normal(size=(3, 2)), rng.normal(size=3)
    assert rel(js("plane", "scores", X.tolist(), W.tolist(), b.tolist()), linear.scores(X, W, b)) < TOL
    assert js("plane", "predict", X.tolist(), W.tolist(), b.tolist()) == linear.predict(X, W, b).tolist()


def test_descent_loss_gradient_and_path_equal_the_library(js):
    X, y = slice_problem()
    for w in ([-3.0, 3.0], [0.4, -1.2], [2.0, 0.5]):
        r = js("descent", "sliceLossAndGrad", w, X.tolist(), y.tolist(), 0.05)
        L, g = slice_loss_and_grad(np.array(w), X, y, 0.05)
        assert rel(r["L"], L) < TOL and rel(r["g"], g) < TOL
    for lr in (0.3, 7.0, 20.0):                      # settles, oscillates, diverges
        r = js("descent", "descend", X.tolist(), y.tolist(), lr, 25, [-3.0, 3.0], 0.05, 0)
        path, L = descend(X, y, lr, 25)
        assert rel(r["path"], path) < TOL and rel(r["losses"], L) < TOL


def test_backprop_graphs_equal_book_graph(js):
    from book.widgets.descent import graph_nodes

    ops = {"+": lambda a, b: a + b, "-": lambda a, b: a - b, "*": lambda a, b: a * b,
           "relu": lambda a: a.relu(), "tanh": lambda a: a.tanh(), "exp": lambda a: a.exp(), "max": lambda a, b: a.max(b)}
    rng = np.random.default_rng(3)
    for name in GRAPHS:
        nodes = graph_nodes(stepper_graph(name))
        for _ in range(4):
            for node in nodes:                       # new input values, the same graph
                if not node["op"]:
                    node["value"] = float(rng.uniform(-3, 3))
            vals = []                                # the graph rebuilt with book.graph's own operations
            for node in nodes:
                vals.append(graph.Value(node["value"]) if not node["op"] else ops[node["op"]](*[vals[i] for i in node["inputs"]]))
            vals[-1].backward()
            r = js("backprop", "graphForwardBackward", nodes)
            assert rel(r["values"], [v.data for v in vals]) < TOL
            assert rel(r["grads"], [v.grad for v in vals]) < TOL


def _params(sizes, seed):
    p = nets.init_net(sizes, seed=seed)
    rng = np.random.default_rng(seed)
    for k in range(1, len(sizes)):
        p[f"b{k}"] = rng.normal(0, 0.3, size=sizes[k])
    return p


def _js_params(p):
    return [{"W": p[f"W{k}"].tolist(), "b": p[f"b{k}"].tolist()} for k in range(1, nets.n_layers(p) + 1)]


def _reference(p, X, y, act, loss, reg):
    """Loss and gradients composed from book.layers and book.losses (any activation, either loss)."""
    n = nets.n_layers(p)
    fwd, bwd = layers.ACTIVATIONS.get(act, (lambda a: (a, None), lambda d, c: d))
    h, caches = X, []
    for k in range(1, n + 1):
        a, ca = layers.affine_forward(h, p[f"W{k}"], p[f"b{k}"])
        h, cr = fwd(a) if k < n else (a, None)
        caches.append((ca, cr))
    L, ds = (losses.softmax_cross_entropy if loss == "ce" else losses.squared_error)(h, y)
    grads, d = {}, ds
    for k in range(n, 0, -1):
        ca, cr = caches[k - 1]
        if k < n:
            d = bwd(d, cr)
        d, grads[f"W{k}"], grads[f"b{k}"] = layers.affine_backward(d, ca)
        L += reg * float(np.sum(p[f"W{k}"] ** 2))
        grads[f"W{k}"] = grads[f"W{k}"] + 2 * reg * p[f"W{k}"]
    return h, L, grads


@pytest.mark.parametrize("act", ["relu", "tanh", "sigmoid", "linear"])
def test_mlp_forward_backward_and_sgd_step_equal_the_library(js, act):
    rng = np.random.default_rng(4)
    X, y = rng.normal(size=(12, 2)), rng.integers(0, 3, size=12)
    for sizes in ([2, 3], [2, 5, 3], [2, 4, 3, 3]):
        p = _params(sizes, seed=len(sizes))
        for loss in ("ce", "se"):
            s, L, g = _reference(p, X, y, act, loss, reg=0.01)
            assert rel(js("playground", "mlpForward", _js_params(p), X.tolist(), act), s) < TOL
            r = js("playground", "mlpLossAndGrads", _js_params(p), X.tolist(), y.tolist(), act, loss, 0.01)
            assert rel(r["L"], L) < TOL
            for k, gk in enumerate(r["grads"], start=1):
                assert rel(gk["W"], g[f"W{k}"]) < TOL and rel(gk["b"], g[f"b{k}"]) < TOL
        if act in layers.ACTIVATIONS:
            # the library's own net: loss_and_grads and one full-batch SGD step of nets.train
            L, g = nets.loss_and_grads(X, y, p, reg=0.01, activation=act)
            r = js("playground", "mlpLossAndGrads", _js_params(p), X.tolist(), y.tolist(), act, "ce", 0.01)
            assert rel(r["L"], L) < TOL
            trained, _ = nets.train(X, y, p, lr=0.2, epochs=1, batch_size=len(y), reg=0.01, activation=act,
                                    progress=False, eval_train=False)
            step = js("playground", "sgdStep", _js_params(p), X.tolist(), y.tolist(), act, 0.2, "ce", 0.01)
            for k, q in enumerate(step["params"], start=1):
                assert rel(q["W"], trained[f"W{k}"]) < TOL and rel(q["b"], trained[f"b{k}"]) < TOL


# ---------------------------------------------------------------- 2. the built book
SIGNATURE = """
(box) => {
  const parts = [];
  box.querySelectorAll('canvas').forEach((c) => parts.push(c.toDataURL()));
  box.querySelectorAll('svg').forEach((s) => parts.push(s.innerHTML));
  box.querySelectorAll('.lcb-read, output, img').forEach((e) => parts.push(e.textContent || e.src));
  return parts.join('|');
}
"""


def _open(browser, url, width=1280):
    page = browser.new_page(viewport={"width": width, "height": 900})
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(url)
    page.wait_for_function("[...document.querySelectorAll('.lcb-explorer')].every(b => b.dataset.lcbReady === 'yes' || b.dataset.lcbReady === 'error')")
    states = page.eval_on_selector_all(".lcb-explorer", "bs => bs.map(b => b.dataset.lcbReady)")
    assert all(s == "yes" for s in states), f"{url}: explorers failed to start ({states}): {errors}"
    return page, errors


def _sig(page, box):
    return hashlib.sha1(box.evaluate(SIGNATURE).encode()).hexdigest()


def _controls(box):
    return box.locator("input[type=range], select, input[type=checkbox], button")


def _prepare(page, box, ctl, label):
    """Give a control something to do: Reset needs a change to undo, a pressed choice another choice."""
    if label == "Reset" and box.get_by_role("button", name="Step", exact=True).count():
        box.get_by_role("button", name="Step", exact=True).click()     # a network to reset: train a step
    elif label == "Reset":
        r = box.locator("input[type=range]").first
        r.focus()
        page.keyboard.press("End" if r.input_value() != r.get_attribute("max") else "Home")
    elif ctl.get_attribute("aria-pressed") == "true":
        box.locator('button[aria-pressed="false"]').first.click()


@pytest.mark.parametrize("name", CHAPTERS)
def test_every_control_moves_by_keyboard_and_by_pointer(site, browser, name):
    base, _ = site
    page, errors = _open(browser, f"{base}/{name}.html")
    boxes = page.locator(".lcb-explorer")
    assert boxes.count() >= 1, f"{name} has no explorer"
    for b in range(boxes.count()):
        box = boxes.nth(b)
        module = box.get_attribute("data-lcb-module")
        n = _controls(box).count()
        assert n >= 2, f"{module}: too few controls"
        for i in range(n):
            ctl = _controls(box).nth(i)           # controls may be rebuilt (the playground's units)
            if not ctl.is_visible() or ctl.is_disabled():
                continue
            kind = ctl.evaluate("e => e.tagName.toLowerCase() + (e.type ? ':' + e.type : '')")
            label = ctl.evaluate("e => (e.labels && e.labels[0] ? e.labels[0].textContent : e.textContent).trim()")
            assert label, f"{module}: a control without a label ({kind})"
            if label == "Play":
                continue                          # playing is tested by the playground's own test
            # keyboard
            _prepare(page, box, ctl, label)
            before = _sig(page, box)
            ctl.focus()
            if kind == "input:range":
                assert int(ctl.get_attribute("max")) >= 49 or module in ("templates", "backprop"), f"{module}: {label} has < 50 positions"
                page.keyboard.press("End" if ctl.input_value() != ctl.get_attribute("max") else "Home")
            elif kind.startswith("select"):
                page.keyboard.press("ArrowDown" if ctl.evaluate("e => e.selectedIndex < e.options.length - 1") else "ArrowUp")
            else:
                page.keyboard.press("Space")
            assert _sig(page, box) != before, f"{name}: {module}'s {label!r} ({kind}) changes nothing by keyboard"
            # pointer
            ctl = _controls(box).nth(i)
            if not ctl.is_visible() or ctl.is_disabled():
                continue
            _prepare(page, box, ctl, label)
            before = _sig(page, box)
            bb = ctl.bounding_box()
            if kind == "input:range":
                page.mouse.click(bb["x"] + bb["width"] * 0.3, bb["y"] + bb["height"] / 2)
            elif kind.startswith("select"):
                options = ctl.evaluate("e => [...e.options].map(o => o.value)")
                k = options.index(ctl.input_value())      # the neighbouring option (the keyboard took the next)
                ctl.select_option(options[k - 1] if k > 0 else options[k + 1])
            else:
                ctl.click()
            assert _sig(page, box) != before, f"{name}: {module}'s {label!r} ({kind}) changes nothing by pointer"
    assert not errors, errors
    page.close()


def test_perceptron_line_drags_by_its_head_and_its_body(site, browser):
    base, _ = site
    page, _ = _open(browser, f"{base}/chapters/01_perceptron.html")
    box = page.locator('.lcb-explorer[data-lcb-module="perceptron"]')
    box.locator("canvas").scroll_into_view_if_needed()
    values = lambda: box.locator("input[type=range]").evaluate_all("es => es.map(e => +e.value)")
    state = box.evaluate("b => JSON.parse(b.querySelector('script.lcb-state').textContent)")
    rect = box.evaluate("b => { const r = b.querySelector('canvas').getBoundingClientRect(); return [r.left, r.top, r.width, r.height]; }")

    def screen(x, y):   # data coordinates -> screen pixels (the module's frame: 440 x 400, 28 px padding)
        lim = state["lim"]
        px = 28 + (x + lim) * (440 - 56) / (2 * lim)
        py = 400 - 28 - (y + lim) * (400 - 56) / (2 * lim)
        return rect[0] + px * rect[2] / 440, rect[1] + py * rect[3] / 400

    before = values()
    page.mouse.move(*screen(*state["w"]))
    page.mouse.down()
    page.mouse.move(*screen(0.5, 1.5), steps=5)
    page.mouse.up()
    after_head = values()
    assert after_head[:2] != before[:2] and after_head[2] == before[2], "dragging w's head turns w, b stays"
    page.mouse.move(*screen(-1.5, -1.0))
    page.mouse.down()
    page.mouse.move(*screen(-1.0, -0.5), steps=5)
    page.mouse.up()
    after_body = values()
    assert after_body[:2] == after_head[:2] and after_body[2] != after_head[2], "dragging elsewhere moves b only"
    page.close()


def test_playground_trains_when_playing(site, browser):
    base, _ = site
    page, _ = _open(browser, f"{base}/chapters/05_neural_networks.html")
    box = page.locator('.lcb-explorer[data-lcb-module="playground"]')
    steps = lambda: int(box.locator("[data-steps]").get_attribute("data-steps"))
    read = box.locator(".lcb-read").last
    first = read.text_content()
    box.get_by_role("button", name="Play").click()
    page.wait_for_function("b => +b.querySelector('[data-steps]').dataset.steps > 200", arg=box.element_handle())
    box.get_by_role("button", name="Pause").click()
    n = steps()
    page.wait_for_timeout(200)
    assert steps() == n, "pause stops training"
    assert read.text_content() != first
    box.get_by_role("button", name="Reset").click()
    assert steps() == 0
    page.close()


LOAD_ALL = """async () => {
  for (let y = 0; y <= document.body.scrollHeight; y += 600) { window.scrollTo(0, y); await new Promise(r => setTimeout(r, 20)); }
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) await MathJax.startup.promise;
  await Promise.all([...document.images].map(i => i.complete ? 0 : new Promise(r => { i.onload = i.onerror = r; })));
}"""


@pytest.mark.parametrize("name", CHAPTERS)
def test_page_weight_with_everything_it_loads(site, browser, name):
    base, _ = site
    ctx = browser.new_context()
    page = ctx.new_page()
    bodies = []
    page.on("response", lambda r: bodies.append((r.url, r)))
    page.goto(f"{base}/{name}.html", wait_until="load")
    page.evaluate(LOAD_ALL)          # every image (lazy ones too) and MathJax with its fonts
    page.wait_for_load_state("networkidle")
    total, items = 0, []
    for url, r in bodies:
        try:
            body = r.body()
        except Exception:
            continue
        size = len(gzip.compress(body, 6))
        total += size
        items.append((size, url))
    ctx.close()
    assert not any("fontawesome.js" in u for _, u in items), "fontawesome.js is still loaded"
    assert total <= 1_000_000, f"{name}: {total / 1e3:.0f} KB gzipped; largest: {sorted(items)[-3:]}"


@pytest.mark.parametrize("name", CHAPTERS)
def test_axe_finds_no_serious_or_critical_violation(site, browser, name):
    from axe_playwright_python.sync_playwright import Axe

    base, _ = site
    page, _ = _open(browser, f"{base}/{name}.html")
    results = Axe().run(page)
    bad = [(v["id"], v["impact"], len(v["nodes"]), v["nodes"][0]["target"]) for v in results.response["violations"]
           if v["impact"] in ("serious", "critical")]
    page.close()
    assert not bad, f"{name}: {bad}"


def test_explorers_run_from_file_urls(site, browser):
    _, html_dir = site
    page, errors = _open(browser, (html_dir / "chapters" / "03_loss_functions.html").as_uri())
    box = page.locator('.lcb-explorer[data-lcb-module="softmax"]')
    before = _sig(page, box)
    box.locator("input[type=range]").first.focus()
    page.keyboard.press("ArrowRight")
    assert _sig(page, box) != before and not errors
    page.close()
