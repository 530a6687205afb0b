"""The gradient-descent explorer, the backprop stepper, and the two-parameter problem behind them."""
import re

import numpy as np
import pytest

from book.gradcheck import numerical_gradient, rel_error
from book.widgets.descent import (REG, START, backprop_stepper, descend, descent_explorer, slice_loss,
                                  slice_loss_and_grad, slice_problem, stepper_frames, stepper_graph)


@pytest.fixture(scope="module")
def problem():
    return slice_problem(seed=0)


def test_slice_problem_is_seeded_and_balanced(problem):
    X, y = problem
    assert X.shape == (40, 2) and y.shape == (40,)
    assert np.bincount(y).tolist() == [20, 20]
    X2, _ = slice_problem(seed=0)
    assert np.array_equal(X, X2)
    assert not np.array_equal(X, slice_problem(seed=1)[0])


def test_slice_loss_matches_the_library_and_its_gradient_is_right(problem):
    X, y = problem
    rng = np.random.default_rng(0)
    for w in rng.normal(0, 2, size=(4, 2)):
        L, dw = slice_loss_and_grad(w, X, y)
        assert slice_loss(w, X, y) == pytest.approx(L, rel=1e-12)
        num = numerical_gradient(lambda v: slice_loss(v, X, y), w.copy())
        assert rel_error(dw, num) < 1e-7
    grid = rng.normal(size=(3, 5, 2))
    assert slice_loss(grid, X, y).shape == (3, 5)
    with pytest.raises(ValueError, match=r"w must have shape \(\.\.\., 2\)"):
        slice_loss(np.zeros(3), X, y)


def test_descend_goes_downhill_or_diverges_with_the_learning_rate(problem):
    X, y = problem
    path, losses = descend(X, y, lr=1.0, steps=30)
    assert path.shape == (31, 2) and losses.shape == (31,)
    assert np.array_equal(path[0], START)
    assert np.all(np.diff(losses) <= 1e-12)                # a good step size: the loss never rises
    assert np.linalg.norm(slice_loss_and_grad(path[-1], X, y)[1]) < 1e-3
    _, small = descend(X, y, lr=0.01, steps=30)
    assert small[-1] > 0.8 * small[0]                       # too small: barely moves
    _, big = descend(X, y, lr=30.0, steps=30)
    assert big[-1] > 1e6 * big[0]                           # too large: diverges
    _, huge = descend(X, y, lr=1e6, steps=200)              # overflow stops the path early
    assert len(huge) < 201 and np.all(np.isfinite(huge))
    with pytest.raises(ValueError, match="lr must be positive"):
        descend(X, y, lr=0.0, steps=3)
    assert REG > 0


def _check_static(ex):
    html = ex.static_html()
    assert html.count('<input type="range"') == len(ex.controls)
    n = int(np.prod([len(c.values) for c in ex.controls.values()]))
    data = re.search(r'<script type="application/json" class="lcb-data">(.*?)</script>', html, re.S).group(1)
    import json
    d = json.loads(data)
    assert len(d["index"]) == n == len(d["texts"])         # a frame for every combination
    assert len(d["images"]) > 1
    return d


def test_descent_explorer_moves_with_its_controls():
    ex = descent_explorer()
    w = ex.widget
    png0, text0 = w.image.value, w.text.value
    assert "α = 1," in text0 and "20 steps" in text0
    w.controls["lr"].value = 30.0
    assert w.image.value != png0
    assert "diverging" in w.text.value
    png1 = w.image.value
    w.controls["steps"].value = 5.0
    assert w.image.value != png1 and "5 steps" in w.text.value
    w.controls["lr"].value = 0.01
    assert "barely moved" in w.text.value
    d = _check_static(ex)
    assert len(d["index"]) == 8 * 5
    assert len(set(d["texts"])) > 30                      # the caption follows the controls


def test_stepper_frames_forward_then_backward():
    f = stepper_graph("(x + y) z")
    frames = stepper_frames(f)
    assert len(frames) == 1 + 2 + 5                        # inputs, 2 computed nodes, 5 gradients
    texts = [t for *_, t in frames]
    assert texts[1] == "forward: q = x + y = 3"
    assert texts[2] == "forward: f = q × z = -12"
    assert texts[3].endswith("df/df = 1")
    assert "backward: df/dq = upstream × local = 1 × -4 = -4" in texts
    assert "backward: df/dx = upstream × local = -4 × 1 = -4" in texts
    data, grads, node, _ = frames[-1]
    assert len(data) == 5 and len(grads) == 5 and node is not None
    with pytest.raises(ValueError, match="name must be"):
        stepper_graph("resnet")


def test_backprop_stepper_moves_with_its_control():
    ex = backprop_stepper()
    w = ex.widget
    png0, text0 = w.image.value, w.text.value
    assert "the inputs" in text0
    w.controls["step"].value = 3.0
    assert w.image.value != png0 and "forward" in w.text.value
    png1 = w.image.value
    w.controls["step"].value = max(ex.controls["step"].values)
    assert w.image.value != png1 and "backward" in w.text.value
    d = _check_static(ex)
    assert len(set(d["index"])) == len(d["index"])        # every step is a different picture
