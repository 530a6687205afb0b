"""Centred-difference gradients and the relative error."""
import numpy as np
import pytest

from book.gradcheck import numerical_gradient, numerical_gradient_array, rel_error


def test_numerical_gradient_of_a_known_function():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3, 4))
    x0 = x.copy()
    grad = numerical_gradient(lambda v: np.sum(v ** 3) + np.sum(np.sin(v)), x)
    assert grad.shape == x.shape
    assert rel_error(grad, 3 * x0 ** 2 + np.cos(x0)) < 1e-8
    assert np.array_equal(x, x0), "x must be restored after perturbation"


def test_numerical_gradient_catches_a_wrong_gradient():
    x = np.random.default_rng(1).standard_normal(5)
    grad = numerical_gradient(lambda v: np.sum(v ** 2), x)
    assert rel_error(grad, 2 * x) < 1e-9
    assert rel_error(grad, x) > 0.3            # a forgotten factor 2 shows up plainly


def test_numerical_gradient_array_is_gradient_of_weighted_sum():
    rng = np.random.default_rng(2)
    x = rng.standard_normal((2, 3))
    dout = rng.standard_normal((2, 3))
    grad = numerical_gradient_array(lambda v: np.tanh(v) * 2.0, x, dout)
    assert rel_error(grad, 2.0 * (1 - np.tanh(x) ** 2) * dout) < 1e-8


def test_rel_error_definition():
    assert rel_error(np.ones(3), np.ones(3)) == 0.0
    assert rel_error(np.zeros(2), np.zeros(2)) == 0.0
    assert rel_error([1.0, 2.0], [1.1, 2.0]) == pytest.approx(0.1 / 2.1)
    # elementwise: a small entry that is wrong dominates
    assert rel_error([1000.0, 1e-3], [1000.0, 2e-3]) == pytest.approx(1 / 3)


def test_bad_inputs():
    with pytest.raises(TypeError, match="x must be float64.*float32"):
        numerical_gradient(np.sum, np.ones(3, dtype=np.float32))
    with pytest.raises(TypeError, match="x must be a NumPy array"):
        numerical_gradient(np.sum, [1.0, 2.0])
    with pytest.raises(ValueError, match=r"same shape.*\(3,\).*\(2,\)"):
        rel_error(np.ones(3), np.ones(2))
    with pytest.raises(ValueError, match="dout must have the shape of f"):
        numerical_gradient_array(lambda v: v, np.ones(3), np.ones(2))
