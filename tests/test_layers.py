"""Each layer's backward pass against a numerical gradient (float64, relative error < 1e-7)."""
import numpy as np
import pytest

from book import layers
from book.gradcheck import numerical_gradient_array, rel_error


def away_from_zero(shape, seed, margin=0.1):
    """Random values with |x| >= margin: no activation kink within reach of the finite difference."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape)
    return np.where(np.abs(x) < margin, np.sign(x + 1e-12) * margin + x, x)


def test_affine_forward_values_and_backward():
    rng = np.random.default_rng(0)
    x, W, b = rng.standard_normal((4, 5)), rng.standard_normal((3, 5)), rng.standard_normal(3)
    out, cache = layers.affine_forward(x, W, b)
    assert out.shape == (4, 3)
    assert np.allclose(out, x @ W.T + b)
    dout = rng.standard_normal((4, 3))
    dx, dW, db = layers.affine_backward(dout, cache)
    assert rel_error(dx, numerical_gradient_array(lambda v: layers.affine_forward(v, W, b)[0], x, dout)) < 1e-7
    assert rel_error(dW, numerical_gradient_array(lambda v: layers.affine_forward(x, v, b)[0], W, dout)) < 1e-7
    assert rel_error(db, numerical_gradient_array(lambda v: layers.affine_forward(x, W, v)[0], b, dout)) < 1e-7


def test_affine_flattens_image_batches():
    rng = np.random.default_rng(1)
    x, W, b = rng.standard_normal((2, 2, 3, 2)), rng.standard_normal((4, 12)), np.zeros(4)
    out, cache = layers.affine_forward(x, W, b)
    assert np.allclose(out, x.reshape(2, 12) @ W.T)
    dx, dW, _ = layers.affine_backward(np.ones((2, 4)), cache)
    assert dx.shape == x.shape and dW.shape == W.shape


@pytest.mark.parametrize("name", sorted(layers.ACTIVATIONS))
def test_activation_backward_numerically(name):
    forward, backward = layers.ACTIVATIONS[name]
    x = away_from_zero((4, 5), seed=2)
    dout = np.random.default_rng(3).standard_normal((4, 5))
    out, cache = forward(x)
    assert out.shape == x.shape
    dx = backward(dout, cache)
    num = numerical_gradient_array(lambda v: forward(v)[0], x, dout)
    assert rel_error(dx, num) < 1e-7, name


def test_activation_values():
    x = np.array([-2.0, -0.5, 0.0, 0.5, 2.0])
    assert layers.relu_forward(x)[0].tolist() == [0, 0, 0, 0.5, 2]
    assert np.allclose(layers.leaky_relu_forward(x)[0], [-0.02, -0.005, 0, 0.5, 2])
    assert np.allclose(layers.elu_forward(x)[0], [np.expm1(-2), np.expm1(-0.5), 0, 0.5, 2])
    assert np.allclose(layers.sigmoid_forward(x)[0], 1 / (1 + np.exp(-x)))
    assert np.allclose(layers.tanh_forward(x)[0], np.tanh(x))


def test_relu_mask_comes_from_the_input():
    x = np.array([[-1.0, 0.0, 2.0]])
    _, cache = layers.relu_forward(x)
    assert layers.relu_backward(np.array([[5.0, 5.0, 5.0]]), cache).tolist() == [[0, 0, 5]]


def test_sigmoid_no_overflow_and_float32():
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out, _ = layers.sigmoid_forward(np.array([-1000.0, 1000.0]))
    assert out.tolist() == [0.0, 1.0]
    x32 = np.ones((2, 3), dtype=np.float32)
    for forward, backward in layers.ACTIVATIONS.values():
        out, cache = forward(x32)
        assert out.dtype == np.float32 and backward(x32, cache).dtype == np.float32
    out, cache = layers.affine_forward(x32, np.ones((4, 3), np.float32), np.zeros(4, np.float32))
    assert out.dtype == np.float32 and all(g.dtype == np.float32 for g in layers.affine_backward(out, cache))


def test_layer_errors():
    W, b = np.zeros((3, 5)), np.zeros(3)
    with pytest.raises(ValueError, match=r"x must have shape \(N, D\) with D=5 matching W \(h, D\)=\(3, 5\); got x of shape \(4, 3\)"):
        layers.affine_forward(np.zeros((4, 3)), W, b)
    with pytest.raises(ValueError, match=r"b must have shape \(h,\) with h=3.*got b of shape \(5,\)"):
        layers.affine_forward(np.zeros((4, 5)), W, np.zeros(5))
    _, cache = layers.relu_forward(np.zeros((2, 3)))
    with pytest.raises(ValueError, match=r"dout must have the shape of the layer's output \(2, 3\); got dout of shape \(3, 2\)"):
        layers.relu_backward(np.zeros((3, 2)), cache)
    _, cache = layers.affine_forward(np.zeros((4, 5)), W, b)
    with pytest.raises(ValueError, match=r"dout must have shape \(N, h\) with N=4, h=3"):
        layers.affine_backward(np.zeros((4, 5)), cache)
