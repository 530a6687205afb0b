"""The perceptron chapter's explorer: a decision line moved by sliders for w1, w2 and b."""
import io
import json
import re

import matplotlib.image as mpimg
import numpy as np
import pytest

from book.widgets.perceptron import NEG, POS, _tint, half_plane, line_explorer, line_segment, misclassified


def separable(n=40, seed=0):
    """Points on either side of x1 + 2 x2 = 1 (w = (1, 2), b = -1), at least 0.2 away from it."""
    rng = np.random.default_rng(seed)
    X = rng.uniform(-2, 2, size=(6 * n, 2))
    d = (X @ np.array([1.0, 2.0]) - 1.0) / np.sqrt(5)
    keep = np.abs(d) >= 0.2
    return X[keep][:n], np.where(d[keep][:n] > 0, 1, -1)


@pytest.fixture(scope="module")
def data():
    return separable()


def count(caption):
    m = re.search(r"(\d+) of (\d+)", caption)
    assert m, f"the caption does not count the misclassified points: {caption!r}"
    return int(m.group(1)), int(m.group(2))


def test_caption_counts_the_misclassified_points(data):
    X, y = data
    ex = line_explorer(X, y)
    assert count(ex.render(w1=1.0, w2=2.0, b=-1.0)[1]) == (0, len(y))     # the true line
    assert count(ex.render(w1=-1.0, w2=-2.0, b=1.0)[1]) == (len(y), len(y))  # the same line, sides swapped
    for w1, w2, b in [(1.0, 0.0, 0.0), (0.0, -1.0, 1.0), (2.0, 1.0, -2.0)]:
        want = int(np.sum(np.where(X @ np.array([w1, w2]) + b >= 0, 1, -1) != y))
        assert 0 < want < len(y)
        assert count(ex.render(w1=w1, w2=w2, b=b)[1]) == (want, len(y))


def test_zero_weights_call_every_point_by_the_sign_of_b(data):
    X, y = data
    ex = line_explorer(X, y)
    png_pos, text_pos = ex.render(w1=0.0, w2=0.0, b=1.0)
    png_neg, text_neg = ex.render(w1=0.0, w2=0.0, b=-1.0)
    assert "no line" in text_pos and "+1" in text_pos and "−1" in text_neg
    assert count(text_pos)[0] == int(np.sum(y == -1)) and count(text_neg)[0] == int(np.sum(y == 1))
    assert png_pos != png_neg


def shade_fractions(png):
    """Fractions of the picture's pixels in the pale -1 (blue) and +1 (orange) background tints."""
    rgb = mpimg.imread(io.BytesIO(png))[..., :3]
    near = lambda colour: np.mean(np.all(np.abs(rgb - np.array(_tint(colour))) < 0.02, axis=-1))
    return near(NEG), near(POS)


def test_shading_shows_the_predicted_side(data):
    X, y = data
    ex = line_explorer(X, y)
    blue, orange = shade_fractions(ex.render(w1=0.0, w2=0.0, b=1.0)[0])     # every score is +1 > 0
    assert orange > 0.3 and blue < 0.01, (blue, orange)
    blue, orange = shade_fractions(ex.render(w1=0.0, w2=0.0, b=-1.0)[0])    # every score is -1 < 0
    assert blue > 0.3 and orange < 0.01, (blue, orange)
    blue, orange = shade_fractions(ex.render(w1=1.0, w2=0.0, b=0.0)[0])     # x1 >= 0 is orange
    assert 0.15 < orange < 0.5 and 0.15 < blue < 0.5, (blue, orange)


def test_moving_a_slider_redraws_picture_and_caption(data):
    X, y = data
    ex = line_explorer(X, y)
    box = ex.widget
    assert set(box.controls) == {"w1", "w2", "b"}
    png0, text0 = box.image.value, box.text.value
    box.controls["w2"].value = 2.0
    assert box.image.value != png0, "changing w2 must move the line"
    assert box.text.value != text0
    png1, text1 = box.image.value, box.text.value
    box.controls["b"].value = -1.0                      # now (1, 2, -1): the separating line
    assert box.image.value != png1 and box.text.value != text1
    assert "0 of" in box.text.value


def test_labels_zero_one_mean_minus_one_plus_one(data):
    X, y = data
    a = line_explorer(X, y).render(w1=2.0, w2=1.0, b=-2.0)
    b = line_explorer(X, (y + 1) // 2).render(w1=2.0, w2=1.0, b=-2.0)
    assert a == b


def test_static_view_holds_one_range_input_per_control_and_every_frame(data):
    X, y = data
    ex = line_explorer(X, y)
    page = ex.static_html()
    assert page.count('<input type="range"') == 3
    payload = json.loads(re.search(r'<script type="application/json" class="lcb-data">(.*?)</script>',
                                   page, re.S).group(1))
    assert payload["sizes"] == [5, 5, 4]
    assert len(payload["index"]) == len(payload["texts"]) == 5 * 5 * 4
    # (0, 0, b) frames differ only in b's sign; every other frame has a line of its own
    assert len(set(payload["texts"])) == 5 * 5 * 4
    assert len(payload["images"]) > 50
    first = ex.render(w1=-2.0, w2=-2.0, b=-2.0)[1]
    assert payload["texts"][0] == first


def test_smaller_grids_and_defaults(data):
    X, y = data
    ex = line_explorer(X, y, w1=(0.0, 1.0), w2=(1.0, 2.0), b=(-1.0,), default=(0.0, 1.0, -1.0))
    assert ex.render()[1].startswith("w = (0, 1), b = -1:")
    assert len(list(ex.frames())) == 4


@pytest.mark.parametrize("kwargs, match", [
    (dict(X=np.zeros((5, 3)), y=np.ones(5)), r"X must have shape \(N, 2\)"),
    (dict(X=np.zeros((5, 2)), y=np.ones(4)), r"y must have shape \(N,\) with N=5"),
    (dict(X=np.zeros((3, 2)), y=np.array([0, 1, 2])), r"y must hold two classes .* found labels \[0, 1, 2\]"),
    (dict(X=np.array([[0.0, np.nan]]), y=np.ones(1)), r"X contains NaN"),
    (dict(X=np.zeros((2, 2)), y=np.ones(2), default=(0.5, 0.0, 0.0)), r"default w1=0.5 must be one of"),
    (dict(X=np.zeros((2, 2)), y=np.ones(2), b=np.linspace(-2, 2, 21)), r"pre-render 525 frames"),
])
def test_bad_input_is_named(kwargs, match):
    with pytest.raises(ValueError, match=match):
        line_explorer(**kwargs)


def test_geometry_helpers():
    box = np.array([[0.0, 0.0], [2.0, 0.0], [2.0, 2.0], [0.0, 2.0]])
    right = half_plane(box, [1.0, 0.0], -1.0)            # x1 >= 1: the right half of the square
    assert np.allclose(sorted(map(tuple, right)), [(1, 0), (1, 2), (2, 0), (2, 2)])
    assert half_plane(box, [1.0, 0.0], -5.0).shape == (0, 2)
    assert np.allclose(line_segment([0.0, 1.0], -1.0, (0, 2), (0, 2)), [[0, 2], [1, 1]])
    assert line_segment([1.0, 0.0], -5.0, (0, 2), (0, 2)) == ([], [])
    assert line_segment([0.0, 0.0], 1.0, (0, 2), (0, 2)) == ([], [])
    X = np.array([[1.0, 0.0], [0.0, 0.0], [-1.0, 0.0]])
    assert misclassified(X, np.array([1, 1, 1]), [1.0, 0.0], 0.0).tolist() == [False, False, True]
    assert misclassified(X, np.array([-1, -1, -1]), [1.0, 0.0], 0.0).tolist() == [True, True, False]
