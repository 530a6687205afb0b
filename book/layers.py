"""Layers as forward/backward pairs.

    out, cache = layer_forward(x, ...)     # cache keeps what backward needs
    dx         = layer_backward(dout, cache)

dout = dL/d(out) has the shape of out; each backward returns dL/d(input) with the shape of the
input (and, for affine, dL/dW and dL/db). W is (h, D): one row per output, as in the lecture's s = W x.
"""
import numpy as np

from . import _validate as inputs
from ._validate import checked

__all__ = ["affine_forward", "affine_backward", "relu_forward", "relu_backward",
           "sigmoid_forward", "sigmoid_backward", "tanh_forward", "tanh_backward",
           "leaky_relu_forward", "leaky_relu_backward", "elu_forward", "elu_backward",
           "identity_forward", "identity_backward", "ACTIVATIONS"]


# ---------------------------------------------------------------- affine
@checked(inputs.affine_args)
def affine_forward(x, W, b):
    """Affine layer out = x @ W.T + b.

    x : (N, D), or (N, d1, ..., dk) which is flattened to (N, D = d1 * ... * dk) (images).
    W : (h, D).  b : (h,).
    Returns out (N, h) and cache = (x, W).
    """
    out = x.reshape(x.shape[0], -1) @ W.T + b
    return out, (x, W)


@checked(inputs.affine_gradient)
def affine_backward(dout, cache):
    """Backward pass of affine_forward.

    dout : (N, h).  cache : (x, W) from affine_forward.
    Returns dx (shaped like x) = dout @ W, dW (h, D) = dout.T @ x, db (h,) = dout summed over N.
    """
    x, W = cache
    x2 = x.reshape(x.shape[0], -1)
    dx = (dout @ W).reshape(x.shape)
    dW = dout.T @ x2
    db = dout.sum(axis=0)
    return dx, dW, db


# ---------------------------------------------------------------- activations
@checked(inputs.layer_input)
def relu_forward(x):
    """ReLU out = max(0, x), elementwise.  x : any shape.  Returns out and cache = x."""
    return np.maximum(x, 0), x


@checked(inputs.upstream_gradient)
def relu_backward(dout, cache):
    """dx = dout where x > 0, else 0 (the mask comes from the input x).  Returns dx."""
    x = cache
    return np.where(x > 0, dout, 0).astype(dout.dtype, copy=False)


@checked(inputs.layer_input)
def sigmoid_forward(x):
    """Sigmoid out = 1 / (1 + exp(-x)), computed without overflow.  Returns out and cache = out."""
    e = np.exp(-np.abs(x))                       # in (0, 1]: never overflows
    out = np.where(x >= 0, 1 / (1 + e), e / (1 + e))
    return out, out


@checked(inputs.upstream_gradient)
def sigmoid_backward(dout, cache):
    """dx = dout * out * (1 - out).  Returns dx."""
    out = cache
    return dout * out * (1 - out)


@checked(inputs.layer_input)
def tanh_forward(x):
    """out = tanh(x).  Returns out and cache = out."""
    out = np.tanh(x)
    return out, out


@checked(inputs.upstream_gradient)
def tanh_backward(dout, cache):
    """dx = dout * (1 - out**2).  Returns dx."""
    out = cache
    return dout * (1 - out * out)


@checked(inputs.layer_input)
def leaky_relu_forward(x, alpha=0.01):
    """Leaky ReLU out = x where x > 0, else alpha * x.  Returns out and cache = (x, alpha)."""
    return np.where(x > 0, x, alpha * x), (x, alpha)


@checked(inputs.upstream_gradient)
def leaky_relu_backward(dout, cache):
    """dx = dout where x > 0, else alpha * dout.  Returns dx."""
    x, alpha = cache
    return np.where(x > 0, dout, alpha * dout)


@checked(inputs.layer_input)
def elu_forward(x, alpha=1.0):
    """ELU out = x where x > 0, else alpha * (exp(x) - 1).  Returns out and cache = (x, out, alpha)."""
    out = np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0)))
    return out, (x, out, alpha)


@checked(inputs.upstream_gradient)
def elu_backward(dout, cache):
    """dx = dout where x > 0, else dout * (out + alpha).  Returns dx."""
    x, out, alpha = cache
    return np.where(x > 0, dout, dout * (out + alpha))


@checked(inputs.layer_input)
def identity_forward(x):
    """No activation: out = x (a "deep linear" net).  Returns out and cache = x."""
    return x, x


@checked(inputs.upstream_gradient)
def identity_backward(dout, cache):
    """dx = dout (the identity's derivative is 1).  Returns dx."""
    return dout


#: name -> (forward, backward); forward(x) -> (out, cache), backward(dout, cache) -> dx
ACTIVATIONS = {
    "relu": (relu_forward, relu_backward),
    "sigmoid": (sigmoid_forward, sigmoid_backward),
    "tanh": (tanh_forward, tanh_backward),
    "leaky_relu": (leaky_relu_forward, leaky_relu_backward),
    "elu": (elu_forward, elu_backward),
    "identity": (identity_forward, identity_backward),
}
