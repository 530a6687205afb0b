"""The perceptron chapter's explorer (Python half) and its geometry helpers."""
import numpy as np
import pytest

from book.data import separable
from book.widgets.perceptron import half_plane, line_explorer, line_segment, misclassified


def test_state_holds_the_points_labels_and_start():
    X, labels = separable(40, margin=0.2, seed=0)       # either side of x1 + 2 x2 = 1: w = (1, 2), b = -1
    y = 2 * labels - 1
    ex = line_explorer(X, y, w=(1.0, 2.0), b=-1.0)
    assert np.allclose(ex.X, X, atol=1e-6) and ex.y == y.tolist()
    assert ex.w == ex.w0 == [1.0, 2.0] and ex.b == ex.b0 == -1.0
    assert ex.lim >= np.abs(X).max()
    ex01 = line_explorer(X, labels)                           # {0, 1} labels mean {-1, +1}
    assert ex01.y == y.tolist()


@pytest.mark.parametrize("kwargs, match", [
    ({"X": np.zeros((3, 3)), "y": [1, -1, 1]}, r"X must have shape \(N, 2\)"),
    ({"X": np.zeros((3, 2)), "y": [1, 2, 3]}, r"y must hold two classes"),
    ({"X": np.zeros((3, 2)), "y": [1, -1, 1], "w": (5, 0)}, r"sliders' ranges"),
    ({"X": np.full((2, 2), np.nan), "y": [1, -1]}, r"X"),
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
