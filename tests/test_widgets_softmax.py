"""The softmax explorer's Python half: the state it starts from, and the numbers it shows."""
import numpy as np
import pytest

from book.gradcheck import numerical_gradient
from book.widgets.softmax import CLASSES, softmax_explorer, softmax_state


def test_state_matches_the_definitions():
    s = np.array([3.2, 5.1, -1.7])
    for T in (1.0, 4.0, 0.5):
        p, L, ds = softmax_state(s, T, y=0)
        e = np.exp(s / T)
        assert np.allclose(p, e / e.sum())
        assert np.isclose(L, -np.log(p[0]))
        num = numerical_gradient(lambda v: softmax_state(v, T, y=0)[1], s.copy())
        assert np.allclose(ds, num, rtol=1e-6, atol=1e-9), f"dL/ds wrong at T={T}: {ds} vs {num}"


def test_state_rejects_a_bad_temperature():
    with pytest.raises(ValueError, match="T must be a positive temperature"):
        softmax_state([1.0, 2.0, 3.0], T=0.0)


def test_defaults_are_the_lecture_example():
    ex = softmax_explorer()
    assert ex.classes == list(CLASSES) and ex.s == [3.2, 5.1, -1.7] and ex.T == 1.0 and ex.y == 0


@pytest.mark.parametrize("kwargs, match", [({"s": (1, 2)}, "one class name per score"),
                                           ({"s": (1, 2, 30)}, r"range \[-10, 10\]"),
                                           ({"T": 20}, r"range \[0.1, 10\]"), ({"y": 3}, "y must be a class index")])
def test_bad_starts_are_named(kwargs, match):
    with pytest.raises(ValueError, match=match):
        softmax_explorer(**kwargs)
