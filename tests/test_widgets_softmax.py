"""The softmax explorer: its numbers are the library's, its controls change the picture and caption."""
import json
import re

import numpy as np
import pytest

from book.gradcheck import numerical_gradient
from book.losses import softmax
from book.widgets.softmax import CLASSES, softmax_explorer, softmax_state


@pytest.fixture(scope="module")
def ex():
    return softmax_explorer()


def test_state_matches_the_definitions():
    s = np.array([3.2, 5.1, -1.7])
    for T in (1.0, 4.0, 0.5):
        p, L, ds = softmax_state(s, T, y=0)
        e = np.exp(s / T)
        assert np.allclose(p, e / e.sum())
        assert np.isclose(L, -np.log(p[0]))
        x = s.copy()
        num = numerical_gradient(lambda v: softmax_state(v, T, y=0)[1], x)
        assert np.allclose(ds, num, rtol=1e-6, atol=1e-9), f"dL/ds wrong at T={T}: {ds} vs {num}"


def test_state_rejects_a_bad_temperature():
    with pytest.raises(ValueError, match="T must be a positive temperature"):
        softmax_state([1.0, 2.0, 3.0], T=0.0)


def test_defaults_are_the_lecture_example(ex):
    assert {k: c.default for k, c in ex.controls.items()} == {"cat": 3.2, "car": 5.1, "frog": -1.7, "T": 1.0}
    _, caption = ex.render()
    L = -np.log(softmax(np.array([3.2, 5.1, -1.7]))[0])
    assert f"L = -log p_cat = {L:.2f}" in caption


def test_frame_budget(ex):
    sizes = [len(c.values) for c in ex.controls.values()]
    assert sizes == [4, 4, 3, 2]
    assert int(np.prod(sizes)) <= 120


def test_live_controls_change_picture_and_caption(ex):
    w = ex.widget
    png0, text0 = w.image.value, w.text.value
    assert png0[:8] == b"\x89PNG\r\n\x1a\n"
    w.controls["cat"].value = 7.0
    png1, text1 = w.image.value, w.text.value
    assert png1 != png0 and text1 != text0
    p, L, _ = softmax_state([7.0, 5.1, -1.7])
    assert f"{L:.2f}" in text1 and L < 1.0, "cat now has the highest score: a small loss"
    w.controls["T"].value = 4.0
    png2, text2 = w.image.value, w.text.value
    assert png2 != png1 and text2 != text1
    assert f"{softmax_state([7.0, 5.1, -1.7], 4.0)[1]:.2f}" in text2
    for name, c in ex.controls.items():  # leave the shared explorer at its defaults
        w.controls[name].value = c.default


def test_static_html_has_one_slider_per_control_and_every_frame(ex):
    page = ex.static_html()
    assert page.count('<input type="range"') == len(ex.controls) == 4
    data = json.loads(re.search(r'<script type="application/json" class="lcb-data">(.*?)</script>', page, re.S)[1])
    n = int(np.prod([len(c.values) for c in ex.controls.values()]))
    assert len(data["index"]) == len(data["texts"]) == n
    assert len(data["images"]) > n // 2, "different scores should give different pictures"
    # the frame for the defaults holds the lecture's loss; frames are in mixed-radix order
    names = list(ex.controls)
    k = 0
    for name in names:
        c = ex.controls[name]
        k = k * len(c.values) + c.values.index(c.default)
    assert data["texts"][k] == ex.render()[1]
    assert all(cls in ex.alt for cls in CLASSES)


def _green_pixels(png, half):
    """Number of pixels of the correct class's bar colour in the left (0) or right (1) panel."""
    import io

    import matplotlib.image as mpimg
    from matplotlib.colors import to_rgb

    img = mpimg.imread(io.BytesIO(png), format="png")[..., :3]
    w = img.shape[1] // 2
    part = img[:, half * w:(half + 1) * w]
    return int((np.abs(part - np.array(to_rgb("tab:green"))).max(axis=-1) < 0.02).sum())


def test_bar_heights_follow_the_numbers(ex):
    png_a, _ = ex.render()                       # cat 3.2: p_cat small, large negative gradient
    png_b, _ = ex.render(cat=7.0)                # cat 7.0: p_cat large, small gradient
    p_a, _, ds_a = softmax_state([3.2, 5.1, -1.7])
    p_b, _, ds_b = softmax_state([7.0, 5.1, -1.7])
    ratio_p = _green_pixels(png_b, 0) / _green_pixels(png_a, 0)
    ratio_d = _green_pixels(png_b, 1) / _green_pixels(png_a, 1)
    assert abs(ratio_p / (p_b[0] / p_a[0]) - 1) < 0.15, (ratio_p, p_b[0] / p_a[0])
    assert abs(ratio_d / (ds_b[0] / ds_a[0]) - 1) < 0.15, (ratio_d, ds_b[0] / ds_a[0])
