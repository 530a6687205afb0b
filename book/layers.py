"""Layers as forward/backward pairs.

    out, cache = layer_forward(x, ...)     # cache keeps what backward needs
    dx         = layer_backward(dout, cache)

dout = dL/d(out) has the shape of out; each backward returns dL/d(input) with the shape of the
input (and, for affine, dL/dW and dL/db). W is (out, in), as in the lecture's s = W x.
"""
import numpy as np

from ._checks import as_array, fmt_shape

__all__ = ["affine_forward", "affine_backward", "relu_forward", "relu_backward",
           "sigmoid_forward", "sigmoid_backward", "tanh_forward", "tanh_backward",
           "leaky_relu_forward", "leaky_relu_backward", "elu_forward", "elu_backward", "ACTIVATIONS"]


def _dout(dout, like):
    dout = as_array("dout", dout, dtype="float")
    if dout.shape != like.shape:
        raise ValueError(f"dout must have the shape of the layer's output {fmt_shape(like.shape)}; "
                         f"got dout of shape {fmt_shape(dout.shape)}")
    return dout


# ---------------------------------------------------------------- affine
def affine_forward(x, W, b):
    """Affine layer out = x @ W.T + b.

    x : (N, D), or (N, d1, ..., dk) which is flattened to (N, D = d1 * ... * dk) (images).
    W : (M, D).  b : (M,).
    Returns out (N, M) and cache = (x, W).
    """
    W = as_array("W", W, ndim=2, dims=("M", "D"), dtype="float")
    b = as_array("b", b, dtype="float")
    if b.shape != (W.shape[0],):
        raise ValueError(f"b must have shape (M,) with M={W.shape[0]} matching W (M, D)={fmt_shape(W.shape)}; "
                         f"got b of shape {fmt_shape(b.shape)}")
    x = as_array("x", x, dtype="float")
    if x.ndim < 2 or int(np.prod(x.shape[1:])) != W.shape[1]:
        raise ValueError(f"x must have shape (N, D) with D={W.shape[1]} matching W (M, D)={fmt_shape(W.shape)}; "
                         f"got x of shape {fmt_shape(x.shape)}")
    out = x.reshape(x.shape[0], -1) @ W.T
    out += b
    return out, (x, W)


def affine_backward(dout, cache):
    """Backward pass of affine_forward.

    dout : (N, M).  cache : (x, W) from affine_forward.
    Returns dx (shaped like x) = dout @ W, dW (M, D) = dout.T @ x, db (M,) = dout summed over N.
    """
    x, W = cache
    dout = as_array("dout", dout, ndim=2, shape=(x.shape[0], W.shape[0]), dims=("N", "M"), dtype="float")
    x2 = x.reshape(x.shape[0], -1)
    dx = (dout @ W).reshape(x.shape)
    dW = dout.T @ x2
    db = dout.sum(axis=0)
    return dx, dW, db


# ---------------------------------------------------------------- activations
def relu_forward(x):
    """ReLU out = max(0, x), elementwise.  x : any shape.  Returns out and cache = x."""
    x = as_array("x", x, dtype="float")
    return np.maximum(x, 0), x


def relu_backward(dout, cache):
    """dx = dout where x > 0, else 0 (the mask comes from the input x).  Returns dx."""
    x = cache
    dout = _dout(dout, x)
    return np.where(x > 0, dout, 0).astype(dout.dtype, copy=False)


def sigmoid_forward(x):
    """Sigmoid out = 1 / (1 + exp(-x)), computed without overflow.  Returns out and cache = out."""
    x = as_array("x", x, dtype="float")
    e = np.exp(-np.abs(x))                       # in (0, 1]: never overflows
    out = np.where(x >= 0, 1 / (1 + e), e / (1 + e))
    return out, out


def sigmoid_backward(dout, cache):
    """dx = dout * out * (1 - out).  Returns dx."""
    out = cache
    dout = _dout(dout, out)
    return dout * out * (1 - out)


def tanh_forward(x):
    """out = tanh(x).  Returns out and cache = out."""
    x = as_array("x", x, dtype="float")
    out = np.tanh(x)
    return out, out


def tanh_backward(dout, cache):
    """dx = dout * (1 - out**2).  Returns dx."""
    out = cache
    dout = _dout(dout, out)
    return dout * (1 - out * out)


def leaky_relu_forward(x, alpha=0.01):
    """Leaky ReLU out = x where x > 0, else alpha * x.  Returns out and cache = (x, alpha)."""
    x = as_array("x", x, dtype="float")
    return np.where(x > 0, x, alpha * x), (x, alpha)


def leaky_relu_backward(dout, cache):
    """dx = dout where x > 0, else alpha * dout.  Returns dx."""
    x, alpha = cache
    dout = _dout(dout, x)
    return np.where(x > 0, dout, alpha * dout)


def elu_forward(x, alpha=1.0):
    """ELU out = x where x > 0, else alpha * (exp(x) - 1).  Returns out and cache = (x, out, alpha)."""
    x = as_array("x", x, dtype="float")
    out = np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0)))
    return out, (x, out, alpha)


def elu_backward(dout, cache):
    """dx = dout where x > 0, else dout * (out + alpha).  Returns dx."""
    x, out, alpha = cache
    dout = _dout(dout, x)
    return np.where(x > 0, dout, dout * (out + alpha))


#: name -> (forward, backward); forward(x) -> (out, cache), backward(dout, cache) -> dx
ACTIVATIONS = {
    "relu": (relu_forward, relu_backward),
    "sigmoid": (sigmoid_forward, sigmoid_backward),
    "tanh": (tanh_forward, tanh_backward),
    "leaky_relu": (leaky_relu_forward, leaky_relu_backward),
    "elu": (elu_forward, elu_backward),
}
