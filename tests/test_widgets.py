"""The explorers' Python half: each is an anywidget whose ES module ships in the package and whose
state is plain data; the book's face (text/html) embeds that state, only while the book builds."""
import json
import re

import numpy as np
import pytest

from book import widgets
from book.data import blobs
from book.sphinxext import explorer_scripts, icon_codepoints
from book.widgets.descent import backprop_stepper, descent_explorer
from book.widgets.perceptron import line_explorer
from book.widgets.playground import DATASETS, dataset, playground
from book.widgets.softmax import softmax_explorer
from book.widgets.templates import plane_explorer


def _all():
    X, y = blobs(n=30, classes=2, seed=0)
    X3, y3 = blobs(n=30, classes=3, seed=0)
    W = np.array([[1.0, 0.5], [-1.0, 0.5], [0.0, -1.0]])
    return [line_explorer(X, y), plane_explorer(X3, y3, W, np.zeros(3)), softmax_explorer(),
            descent_explorer(), backprop_stepper(), playground()]


def _data(bundle):
    return bundle[0] if isinstance(bundle, tuple) else bundle


@pytest.fixture(scope="module")
def explorers():
    return _all()


def test_every_module_is_one_es_module_with_a_render_and_no_script_end():
    for name in widgets.MODULES:
        src = widgets.esm_source(name)
        assert "export default { render }" in src, f"{name}.js must export default {{ render }}"
        assert "</script" not in src.lower()
        assert not re.search(r"^\s*import\s", src, re.M), f"{name}.js must not import (it is inlined as one module)"
    with pytest.raises(ValueError, match="no explorer module 'nope'"):
        widgets.esm_source("nope")


def test_each_explorer_is_an_anywidget_with_its_module(explorers):
    import anywidget

    for ex in explorers:
        assert isinstance(ex, anywidget.AnyWidget)
        assert ex._esm == widgets.esm_source(type(ex).module)
        state = ex.state()
        assert "alt" in state and state["alt"], "every explorer describes its picture in words"
        json.dumps(state, allow_nan=False)            # plain, finite JSON
        assert not any(k.startswith("_") or k in ("layout", "tabbable", "tooltip") for k in state)


def test_book_face_only_while_the_book_builds(explorers, monkeypatch):
    ex = explorers[2]
    monkeypatch.delenv(widgets.BOOK_BUILD, raising=False)
    bundle = _data(ex._repr_mimebundle_())
    assert "application/vnd.jupyter.widget-view+json" in bundle and "text/html" not in bundle
    monkeypatch.setenv(widgets.BOOK_BUILD, "1")
    html = _data(ex._repr_mimebundle_())["text/html"]
    assert 'data-lcb-module="softmax"' in html
    state = json.loads(re.search(r'<script type="application/json" class="lcb-state">(.*?)</script>', html, re.S).group(1))
    assert state == ex.state()
    assert ex.alt in html                                  # the words, where no script runs


def test_state_cannot_close_the_script_it_sits_in():
    ex = softmax_explorer(classes=("</script><b>", "car", "frog"))
    html = ex.static_html()
    assert html.count("</script>") == 1
    state = json.loads(re.search(r'class="lcb-state">(.*?)</script>', html, re.S).group(1))
    assert state["classes"][0] == "</script><b>"


def test_page_scripts_carry_each_module_once_and_the_shim(explorers):
    body = "".join(ex.static_html() for ex in explorers) + explorers[0].static_html()
    scripts = explorer_scripts(body)
    for name in {type(ex).module for ex in explorers}:
        assert scripts.count(f'data-lcb-esm="{name}"') == 1
    assert scripts.rstrip().endswith("</script>") and "URL.createObjectURL" in scripts
    assert explorer_scripts("<p>no explorer here</p>") == ""


def test_icon_codepoints_are_the_classes_used_and_the_stylesheet_icons():
    css = ('.fa-bars:before,.fa-navicon:before{content:"\\f0c9"}.fa-list:before{content:"\\f03a"}'
           '.fa-rocket:before{content:"\\f135"}:root{--pst-icon-download:"\uf019";}')
    pages = ['<i class="fa-solid fa-bars"></i>', "el.classList.add('fa-list')"]
    assert icon_codepoints(css, pages) == {0xF0C9, 0xF03A, 0xF019}


def test_every_explorer_stays_light_in_a_saved_notebook(explorers):
    """What a saved notebook holds per explorer (module + state, if widget state is saved): < 50 KB."""
    for ex in explorers:
        size = len(ex._esm) + len(json.dumps(ex.state()))
        assert size < 50_000, f"{type(ex).__name__}: {size} bytes"


def test_alt_text_is_required():
    class Bare(widgets.Explorer):
        module = "softmax"

    with pytest.raises(ValueError, match="needs alt text"):
        Bare()


def test_playground_data_and_settings():
    for name in DATASETS:
        d, order = dataset(name)
        n = len(d["y"])
        assert len(d["X"]) == n and sorted(order) == list(range(n))
        assert np.abs(np.array(d["X"])).max() < d["lim"]
        assert dataset(name) == (d, order)                 # seeded
    p = playground(dataset="xor", hidden=[3], activation="relu", loss="se", compare=True)
    assert p.settings["hidden"] == [3] and p.settings["loss"] == "se" and p.settings["compare"]
    for kwargs, match in [({"hidden": [9]}, "1 to 8 units"), ({"hidden": [2, 2, 2, 2]}, "0 to 3"),
                          ({"activation": "elu"}, "activation must be one of"), ({"loss": "kl"}, "loss must be"),
                          ({"lr": 50}, r"lr must lie in the control's range"), ({"dataset": "moons"}, "dataset must be"),
                          ({"speed": 3}, "speed")]:
        with pytest.raises(ValueError, match=match):
            playground(**kwargs)
    with pytest.raises(TypeError, match="unknown setting"):
        playground(epochs=3)


def test_shrink_png_keeps_the_picture_and_never_grows():
    import io

    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from PIL import Image

    from book.sphinxext import shrink_png

    fig, ax = plt.subplots(figsize=(6, 4), dpi=100)
    x = np.linspace(0, 6, 400)
    for k in range(5):
        ax.plot(x, np.sin(x + k), lw=2)
    ax.imshow(np.add.outer(np.arange(40), np.arange(60)) % 7, extent=(0, 6, -1, 1), aspect="auto", alpha=0.3)
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
    png = buf.getvalue()
    small = shrink_png(png)
    assert len(small) < len(png)
    a = np.asarray(Image.open(io.BytesIO(png)).convert("RGBA"), dtype=float)
    b = np.asarray(Image.open(io.BytesIO(small)).convert("RGBA"), dtype=float)
    assert a.shape == b.shape and 10 * np.log10(255 ** 2 / np.mean((a - b) ** 2)) >= 40
    noise = np.random.default_rng(0).integers(0, 256, size=(64, 64, 3), dtype=np.uint8)
    buf = io.BytesIO()
    Image.fromarray(noise).save(buf, format="PNG")
    assert shrink_png(buf.getvalue()) == buf.getvalue()     # a photograph-like image stays as it was
