"""Fully connected networks built from the layers, trained by minibatch SGD.

A net with sizes [D, h1, ..., C] computes, for k = 1 .. n (n = len(sizes) - 1),

    a_k = h_{k-1} @ Wk.T + bk,   h_k = act(a_k)  (k < n),   s = a_n,   h_0 = X,

with Wk (h_k, h_{k-1}) and bk (h_k,), h_0 = D and h_n = C: the lecture's two-layer net s = W2 max(0, W1 x + b1) + b2
is sizes [D, h, C] with activation "relu". The loss is softmax cross-entropy plus reg * sum_k sum(Wk**2)
(biases not penalised). Backprop runs the same steps in reverse:

    ds = (p - onehot(y)) / N,   dWk = da_k.T @ h_{k-1},   dbk = sum_i da_k,   dh_{k-1} = da_k @ Wk,
    da_{k-1} = act_backward(dh_{k-1}).

Everything keeps the dtype of the parameters: float32 nets train in float32.
"""
import numpy as np

from . import _validate as inputs
from ._validate import checked, n_layers
from .layers import ACTIVATIONS, affine_forward
from .losses import l2_penalty, softmax_cross_entropy

__all__ = ["init_net", "forward", "loss_and_grads", "predict", "train", "n_layers"]


# ---------------------------------------------------------------- the net
def init_net(sizes, seed=0, dtype=np.float64, scale="he"):
    """Random weights for a net with layer sizes [D, h1, ..., C].

    scale : "he" (Wk ~ N(0, 1) * sqrt(2 / fan_in), good for ReLU) or a float std.
    Weights are drawn in float64 from np.random.default_rng(seed), then cast to dtype, so a float32
    net starts at the rounded float64 one. Biases start at zero.
    Returns params {"W1": (h1, D), "b1": (h1,), ..., "Wn": (C, h_{n-1}), "bn": (C,)}.
    """
    sizes = [int(v) for v in sizes]
    if len(sizes) < 2 or min(sizes) < 1:
        raise ValueError(f"sizes must be [D, h1, ..., C] with at least two positive sizes; got {sizes}")
    if not (scale == "he" or isinstance(scale, (int, float))):
        raise ValueError(f"scale must be 'he' or a float std; got {scale!r}")
    rng = np.random.default_rng(seed)
    params = {}
    for k, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:]), start=1):
        std = np.sqrt(2.0 / fan_in) if scale == "he" else float(scale)
        params[f"W{k}"] = (std * rng.standard_normal((fan_out, fan_in))).astype(dtype)
        params[f"b{k}"] = np.zeros(fan_out, dtype=dtype)
    return params


@checked(inputs.net_args)
def forward(X, params, activation="relu"):
    """Scores of the net for a batch.

    X : (N, D).  params : from init_net.  activation : a name in layers.ACTIVATIONS.
    Returns (s (N, C), caches), one (affine cache, activation cache) per layer (None for the last).
    """
    act_forward = ACTIVATIONS[activation][0].unchecked
    n = n_layers(params)
    h, caches = X, []
    for k in range(1, n + 1):
        a, affine_cache = affine_forward.unchecked(h, params[f"W{k}"], params[f"b{k}"])   # a_k = h_{k-1} Wk^T + bk
        h, act_cache = act_forward(a) if k < n else (a, None)                  # h_k = act(a_k); s = a_n
        caches.append((affine_cache, act_cache))
    return h, caches


@checked(inputs.net_args)
def loss_and_grads(X, y, params, reg=0.0, activation="relu"):
    """Softmax cross-entropy of the net plus reg * sum_k sum(Wk**2), and its gradients.

    X : (N, D).  y : (N,) labels in 0..C-1.  params : from init_net.
    Returns (L, grads) with grads[name] shaped like params[name].
    """
    act_backward = ACTIVATIONS[activation][1].unchecked
    n = n_layers(params)
    s, caches = forward.unchecked(X, params, activation)
    L, da = softmax_cross_entropy.unchecked(s, y)             # da_n = ds = (p - onehot(y)) / N
    grads = {}
    for k in range(n, 0, -1):
        (h_prev, W), act_cache = caches[k - 1]
        R, dR = l2_penalty(W, reg)
        L += R
        grads[f"W{k}"] = da.T @ h_prev + dR                   # dWk = da_k^T h_{k-1} + 2 reg Wk
        grads[f"b{k}"] = da.sum(axis=0)                       # dbk = sum_i da_k
        if k > 1:                                             # (the first layer's dX is never needed)
            dh = da @ W                                       # dh_{k-1} = da_k Wk
            da = act_backward(dh, caches[k - 2][1])           # da_{k-1} = act'(a_{k-1}) * dh_{k-1}
    return L, grads


@checked(inputs.net_args)
def predict(X, params, activation="relu", chunk=4096):
    """Predicted classes argmax_c s_c for X (N, D); returns (N,) ints. Runs in chunks of rows."""
    out = np.empty(X.shape[0], dtype=np.intp)
    for i in range(0, X.shape[0], chunk):
        s, _ = forward.unchecked(X[i:i + chunk], params, activation)
        out[i:i + chunk] = np.argmax(s, axis=1)
    return out


# ---------------------------------------------------------------- training
@checked(inputs.train_net_args)
def train(X, y, params, X_val=None, y_val=None, *, lr=1e-1, epochs=10, batch_size=200, momentum=0.0,
          lr_decay=1.0, reg=0.0, activation="relu", seed=0, progress=False, eval_train=True,
          augment=None, callback=None):
    """Minibatch SGD (optionally with momentum) on softmax cross-entropy + reg * sum W**2.

    X : (N, D) (images (N, ...) are flattened).  y : (N,) labels in 0..C-1.
    params : from init_net (not modified; a trained copy is returned).
    Each epoch visits the data in a fresh order from np.random.default_rng(seed), in batches of
    `batch_size` consecutive examples of that order (the last may be smaller). Update per step, with g = dL/dparam:
        v = momentum * v - lr * g,   param += v          (v = 0 at the start; plain SGD when momentum=0)
    and lr *= lr_decay after each epoch. X is cast to the parameters' dtype once: a float32 net
    trains entirely in float32.
    eval_train : measure the accuracy on all of X after each epoch (a forward pass over X; pass
        False to skip it on large data: history["train_acc"] then stays empty).
    augment : optional callable(Xb, rng) -> Xb, applied to each minibatch before the step (e.g.
        random mirror images); rng is a generator of its own, seeded from seed.
    callback : optional callable(epoch, params, history), called after each epoch (epoch from 1),
        e.g. to keep snapshots of the weights; params are the live arrays, copy what you keep.
    Returns (params, history) with history = {"loss": [per step, incl. the reg term],
    "train_acc": [accuracy on all of X after each epoch], "val_acc": [same on X_val, empty without it]}.
    """
    params = {k: np.array(p, order="C") for k, p in params.items()}
    velocity = {k: np.zeros_like(p) for k, p in params.items()}
    rng, augment_rng = np.random.default_rng(seed), np.random.default_rng([seed, 1])
    history = {"loss": [], "train_acc": [], "val_acc": []}
    epoch_iter = range(epochs)
    if progress:
        from tqdm.auto import tqdm
        epoch_iter = tqdm(epoch_iter, desc="train", unit="epoch")
    for epoch in epoch_iter:
        order = rng.permutation(X.shape[0])
        for start in range(0, X.shape[0], batch_size):
            idx = order[start:start + batch_size]
            Xb = X[idx] if augment is None else augment(X[idx], augment_rng)
            L, grads = loss_and_grads.unchecked(Xb, y[idx], params, reg, activation)
            history["loss"].append(L)
            for k, p in params.items():                   # v = momentum v - lr g;  p += v
                velocity[k] *= momentum
                velocity[k] -= lr * grads[k]
                p += velocity[k]
        if not np.isfinite(history["loss"][-1]):
            err = FloatingPointError(f"the loss became {history['loss'][-1]} at epoch {epoch + 1}; "
                                     f"lower lr (got lr={lr}); the history so far is in this error's .history")
            err.history = history
            raise err
        if eval_train:
            history["train_acc"].append(float(np.mean(predict.unchecked(X, params, activation) == y)))
        if X_val is not None:
            history["val_acc"].append(float(np.mean(predict.unchecked(X_val, params, activation) == y_val)))
        if progress:
            epoch_iter.set_postfix({key: f"{history[key][-1]:.3f}" for key in ("loss", "train_acc", "val_acc")
                                    if history[key]})
        if callback is not None:
            callback(epoch + 1, params, history)
        lr *= lr_decay
    return params, history
