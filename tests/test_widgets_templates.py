"""Chapter 2's explorers: the template browser and the plane explorer."""
import json
import re

import numpy as np
import pytest

from book.data import blobs, load_digits
from book.linear import train_linear
from book.widgets.templates import draw_scores_2d, plane_explorer, rescale_rows, template_browser


@pytest.fixture(scope="module")
def digits_model():
    d = load_digits(seed=0)
    W, b, _ = train_linear(d.X_train, d.y_train, C=10, lr=0.5, reg=1e-3, epochs=10, batch_size=64)
    return d, W, b


@pytest.fixture(scope="module")
def blobs_model():
    X, y = blobs(seed=0)
    W, b, _ = train_linear(X, y, C=3, lr=0.1, reg=1e-3, epochs=20, batch_size=32)
    return X, y, W, b


def _frames(html):
    """The JSON the kernel-free face carries: images, index (one per combination), texts, sizes."""
    m = re.search(r'<script type="application/json" class="lcb-data">(.*?)</script>', html, re.S)
    return json.loads(m.group(1))


def test_rescale_rows_maps_each_row_to_unit_range():
    W = np.array([[1.0, 3.0, 2.0], [-10.0, 0.0, 10.0], [5.0, 5.0, 5.0]])
    T = rescale_rows(W)
    assert np.allclose(T[0], [0, 1, 0.5]) and np.allclose(T[1], [0, 0.5, 1])
    assert np.array_equal(T[2], [0, 0, 0]), "a constant row maps to zeros"


def test_template_browser_changes_with_the_class(digits_model):
    d, W, b = digits_model
    ex = template_browser(W, b, d.X_test, d.y_test, class_names=d.class_names, k=4)
    box = ex.widget
    png0, text0 = box.image.value, box.text.value
    assert png0[:8] == b"\x89PNG\r\n\x1a\n"
    assert "class 0" in text0
    box.controls["c"].value = "7"
    assert box.image.value != png0, "choosing another class must redraw the picture"
    assert "class 7" in box.text.value and box.text.value != text0
    html = ex.static_html()
    assert html.count('<input type="range"') == 1
    data = _frames(html)
    assert data["sizes"] == [10] and len(data["index"]) == 10 and len(data["texts"]) == 10
    assert len(set(data["index"])) == 10, "each class shows its own picture"
    assert [t.split(":")[0] for t in data["texts"]] == [f"class {c}" for c in range(10)]


def test_template_browser_caption_counts_the_right_images(digits_model):
    d, W, b = digits_model
    ex = template_browser(W, b, d.X_test, d.y_test, class_names=d.class_names, k=5)
    _, text = ex.render(c="3")
    s3 = (d.X_test @ W.T + b)[:, 3]
    top = np.argsort(-s3, kind="stable")[:5]
    bottom = np.argsort(s3, kind="stable")[:5]
    want = f"{int(np.sum(d.y_test[top] == 3))} of the 5 highest-scoring images are 3, " \
           f"{int(np.sum(d.y_test[bottom] == 3))} of the 5 lowest are"
    assert want in text


def test_template_browser_rejects_bad_shapes(digits_model):
    d, W, b = digits_model
    with pytest.raises(ValueError, match="image_shape"):
        template_browser(W, b, d.X_test, d.y_test, image_shape=(7, 7))
    with pytest.raises(ValueError, match="X must have shape"):
        template_browser(W, b, d.X_test.T, d.y_test)


def test_plane_explorer_sliders_move_the_line_and_regions(blobs_model):
    X, y, W, b = blobs_model
    ex = plane_explorer(X, y, W, b, c=0)
    assert set(ex.controls) == {"w1", "w2", "b"}
    box = ex.widget
    png0, text0 = box.image.value, box.text.value
    box.controls["w1"].value = 2.0
    assert box.image.value != png0, "moving w1 must redraw the picture"
    assert box.text.value != text0
    png1 = box.image.value
    box.controls["b"].value = 2.0 if box.controls["b"].value != 2.0 else -2.0
    assert box.image.value != png1, "moving the bias must move the line"
    html = ex.static_html()
    assert html.count('<input type="range"') == 3
    data = _frames(html)
    sizes = [len(ex.controls[k].values) for k in ("w1", "w2", "b")]
    assert data["sizes"] == sizes and len(data["index"]) == int(np.prod(sizes)) == len(data["texts"])


def test_plane_explorer_caption_reports_the_line_distance(blobs_model):
    X, y, W, b = blobs_model
    ex = plane_explorer(X, y, W, b, c=1)
    _, text = ex.render(w1=1.0, w2=-1.0, b=2.0)
    assert f"at signed distance {-2 / np.sqrt(2):.2f} from the origin" in text
    _, text = ex.render(w1=0.0, w2=0.0, b=2.0)
    assert "no line" in text
    # a huge bias for class 1 makes it win everywhere: every point is predicted 1
    big = plane_explorer(X, y, W, b, c=1, b_values=(0, 100))
    _, text = big.render(b=100.0)
    assert "wins 100% of the view" in text and f"accuracy {np.mean(y == 1):.0%}" in text


def test_plane_explorer_starts_at_the_trained_row_rounded(blobs_model):
    X, y, W, b = blobs_model
    ex = plane_explorer(X, y, W, b, c=0, w1_values=(-1, 0, 1), w2_values=(0, 1, 2), b_values=(-1, 0, 1))
    want = [min(vals, key=lambda v: abs(v - t)) for vals, t in
            (((-1, 0, 1), W[0, 0]), ((0, 1, 2), W[0, 1]), ((-1, 0, 1), b[0]))]
    assert [ex.controls[k].default for k in ("w1", "w2", "b")] == want
    with pytest.raises(ValueError, match="c must be a class index"):
        plane_explorer(X, y, W, b, c=3)


def test_draw_scores_2d_draws_lines_normal_to_the_rows(blobs_model):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    X, y, W, b = blobs_model
    fig, ax = plt.subplots()
    draw_scores_2d(ax, X, y, W, b)
    lines = [l for l in ax.get_lines() if len(l.get_xdata()) == 2]
    assert len(lines) == 3
    for c, line in enumerate(lines):
        p = np.column_stack([line.get_xdata(), line.get_ydata()])
        assert np.allclose(p @ W[c] + b[c], 0, atol=1e-9), "each line is where s_c = 0"
    plt.close(fig)
