"""Fully connected networks built from the layers, trained by minibatch SGD.

A net with sizes [D, h1, ..., C] computes, for k = 1 .. n (n = len(sizes) - 1),

    a_k = h_{k-1} @ Wk.T + bk,   h_k = act(a_k)  (k < n),   s = a_n,   h_0 = X,

with Wk (size_k, size_{k-1}) and bk (size_k,): the lecture's two-layer net s = W2 max(0, W1 x + b1) + b2
is sizes [D, h, C] with activation "relu". The loss is softmax cross-entropy plus reg * sum_k sum(Wk**2)
(biases not penalised). Backprop runs the same steps in reverse:

    ds = (p - onehot(y)) / N,   dWk = da_k.T @ h_{k-1},   dbk = sum_i da_k,   dh_{k-1} = da_k @ Wk,
    da_{k-1} = act_backward(dh_{k-1}).

Everything keeps the dtype of the parameters: float32 nets train in float32.
"""
import numpy as np

from ._checks import as_array, check_finite, check_labels, fmt_shape
from .layers import ACTIVATIONS, affine_forward
from .losses import _softmax_cross_entropy_inplace

__all__ = ["init_net", "forward", "loss_and_grads", "predict", "train", "n_layers"]


# ---------------------------------------------------------------- checks
def n_layers(params):
    """Number of affine layers n in params {"W1", "b1", ..., "Wn", "bn"}."""
    n = 0
    while f"W{n + 1}" in params:
        n += 1
    return n


def _check_params(params):
    if not isinstance(params, dict):
        raise TypeError(f"params must be a dict {{'W1': (h1, D), 'b1': (h1,), ...}}; got {type(params).__name__}")
    n = n_layers(params)
    if n == 0:
        raise ValueError(f"params must hold W1, b1, W2, b2, ...; got keys {sorted(params)}")
    dtype = None
    for k in range(1, n + 1):
        W = as_array(f"W{k}", params[f"W{k}"], ndim=2, dims=("out", "in"))
        if W.dtype.kind != "f":
            raise TypeError(f"W{k} must be a float array; got dtype {W.dtype}")
        if f"b{k}" not in params:
            raise ValueError(f"params must hold b{k} for W{k}; got keys {sorted(params)}")
        as_array(f"b{k}", params[f"b{k}"], shape=(W.shape[0],), dims=("out",),
                 hint=f"matching W{k} (out, in)={fmt_shape(W.shape)}")
        if k > 1 and W.shape[1] != params[f"W{k - 1}"].shape[0]:
            raise ValueError(f"W{k} must have shape (out, in) with in={params[f'W{k - 1}'].shape[0]} matching "
                             f"W{k - 1} {fmt_shape(params[f'W{k - 1}'].shape)}; got W{k} of shape {fmt_shape(W.shape)}")
        dtype = dtype or W.dtype
        if W.dtype != dtype or np.asarray(params[f"b{k}"]).dtype != dtype:
            raise TypeError(f"all parameters must share one dtype; W1 is {dtype} but W{k}/b{k} are "
                            f"{W.dtype}/{np.asarray(params[f'b{k}']).dtype}")
        check_finite(f"W{k}", W)
    return n, dtype


def _check_activation(activation):
    if activation not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {sorted(ACTIVATIONS)}; got {activation!r}")
    return ACTIVATIONS[activation]


def _check_X(X, params, dtype, name="X"):
    X = as_array(name, X, dtype="float")
    if X.ndim > 2:                       # images (N, H, W, 3) -> rows
        X = X.reshape(X.shape[0], -1)
    D = params["W1"].shape[1]
    X = as_array(name, X, ndim=2, shape=(None, D), dims=("N", "D"),
                 hint=f"matching W1 (h1, D)={fmt_shape(params['W1'].shape)}")
    check_finite(name, X)
    return X.astype(dtype, copy=False)


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


def _forward(params, X, n, act_forward):
    """Unchecked forward pass; returns scores s (N, C) and caches [(affine_cache, act_cache), ...]."""
    h, caches = X, []
    for k in range(1, n + 1):
        a, aff_cache = affine_forward(h, params[f"W{k}"], params[f"b{k}"])
        if k < n:
            h, act_cache = act_forward(a)
        else:
            h, act_cache = a, None
        caches.append((aff_cache, act_cache))
    return h, caches


def forward(params, X, activation="relu"):
    """Scores of the net for a batch.

    params : from init_net.  X : (N, D).  activation : a name in layers.ACTIVATIONS.
    Returns (s (N, C), caches), one (affine cache, activation cache) per layer (None for the last).
    """
    n, dtype = _check_params(params)
    act_forward, _ = _check_activation(activation)
    X = _check_X(X, params, dtype)
    return _forward(params, X, n, act_forward)


def _backprop(params, X, y, n, act_forward, act_backward, ds_scale=1.0, grads=None):
    """Forward and backward pass for the data loss only (no reg); no input checks.

    Returns (L_data, grads) with grads = ds_scale * dL_data/dparams. When grads (a dict of arrays
    shaped like params) is given, the weight gradients are written into it (no new big arrays).
    The loop body is layers.affine_backward written out, so that the first layer's dX (an
    unused (N, D) product as costly as the forward pass) is never computed.
    """
    s, caches = _forward(params, X, n, act_forward)
    L, da = _softmax_cross_entropy_inplace(s, y)          # s is ours: overwritten with ds
    if ds_scale != 1.0:
        da *= ds_scale
    if grads is None:
        grads = {}
    for k in range(n, 0, -1):
        (h_prev, W), act_cache = caches[k - 1]
        if f"W{k}" in grads:
            np.matmul(da.T, h_prev, out=grads[f"W{k}"])  # dWk = da_k.T @ h_{k-1}
        else:
            grads[f"W{k}"] = da.T @ h_prev
        grads[f"b{k}"] = da.sum(axis=0)
        if k > 1:
            dh = da @ W                                   # dh_{k-1} = da_k @ Wk
            da = act_backward(dh, caches[k - 2][1])
    return L, grads


def loss_and_grads(params, X, y, reg=0.0, activation="relu"):
    """Softmax cross-entropy of the net plus reg * sum_k sum(Wk**2), and its gradients.

    params : from init_net.  X : (N, D).  y : (N,) labels in 0..C-1.
    Returns (L, grads) with grads[name] shaped like params[name] (dWk gets + 2 reg Wk).
    """
    n, dtype = _check_params(params)
    act_forward, act_backward = _check_activation(activation)
    X = _check_X(X, params, dtype)
    y = check_labels("y", y, params[f"W{n}"].shape[0], N=X.shape[0])
    L, grads = _backprop(params, X, y, n, act_forward, act_backward)
    if reg:
        for k in range(1, n + 1):
            W = params[f"W{k}"]
            L += reg * float(np.vdot(W, W))
            grads[f"W{k}"] += (2.0 * reg) * W
    return L, grads


def _predict(params, X, n, act_forward, chunk=4096):
    out = np.empty(X.shape[0], dtype=np.intp)
    for i in range(0, X.shape[0], chunk):
        out[i:i + chunk] = np.argmax(_forward(params, X[i:i + chunk], n, act_forward)[0], axis=1)
    return out


def predict(params, X, activation="relu"):
    """Predicted classes argmax_c s_c for X (N, D); returns (N,) ints. Runs in chunks of rows."""
    n, dtype = _check_params(params)
    act_forward, _ = _check_activation(activation)
    return _predict(params, _check_X(X, params, dtype), n, act_forward)


# ---------------------------------------------------------------- training
def train(params, X, y, X_val=None, y_val=None, *, lr=1e-1, epochs=10, batch_size=200, momentum=0.0,
          lr_decay=1.0, reg=0.0, activation="relu", seed=0, progress=True, eval_train=True, callback=None):
    """Minibatch SGD (optionally with momentum) on softmax cross-entropy + reg * sum W**2.

    params : from init_net (not modified; a trained copy is returned).
    X : (N, D) (images (N, ...) are flattened).  y : (N,) labels in 0..C-1.
    Each epoch visits the data in a fresh order from np.random.default_rng(seed), in batches of
    `batch_size` consecutive examples of that order (the last may be smaller). Update per step, with g = dL/dparam:
        v = momentum * v - lr * g,   param += v          (v = 0 at the start; plain SGD when momentum=0)
    and lr *= lr_decay after each epoch. X is cast to the parameters' dtype once: a float32 net
    trains entirely in float32.
    eval_train : measure the accuracy on all of X after each epoch (a forward pass over X; pass
        False to skip it on large data: history["train_acc"] then stays empty).
    callback : optional callable(epoch, params, history), called after each epoch (epoch from 1),
        e.g. to keep snapshots of the weights; params are the live arrays, copy what you keep.
    Returns (params, history) with history = {"loss": [per step, incl. the reg term],
    "train_acc": [accuracy on all of X after each epoch], "val_acc": [same on X_val, empty without it]}.
    """
    n, dtype = _check_params(params)
    act_forward, act_backward = _check_activation(activation)
    X = _check_X(X, params, dtype)
    C = params[f"W{n}"].shape[0]
    y = check_labels("y", y, C, N=X.shape[0])
    if (X_val is None) != (y_val is None):
        raise ValueError("X_val and y_val must be given together")
    if X_val is not None:
        X_val = _check_X(X_val, params, dtype, name="X_val")
        y_val = check_labels("y_val", y_val, C, N=X_val.shape[0])
    if int(batch_size) != batch_size or batch_size < 1:
        raise ValueError(f"batch_size must be a positive integer; got {batch_size!r}")
    for name, v in (("lr", lr), ("momentum", momentum), ("lr_decay", lr_decay), ("reg", reg)):
        if not np.isfinite(v) or v < 0:
            raise ValueError(f"{name} must be a finite number >= 0; got {v!r}")
    # Python floats keep float32 arrays float32 (a NumPy float64 scalar would promote them)
    lr, momentum, lr_decay, reg = float(lr), float(momentum), float(lr_decay), float(reg)
    batch_size = int(batch_size)

    params = {k: np.array(v, dtype=dtype, order="C") for k, v in params.items()}
    names_W = [f"W{k}" for k in range(1, n + 1)]
    grads = {k: np.empty_like(params[k]) for k in names_W}           # reused every step
    velocity = {k: np.zeros_like(v) for k, v in params.items()} if momentum else None
    N = X.shape[0]
    Xb_buf = np.empty((min(batch_size, N), X.shape[1]), dtype=dtype)  # the current minibatch
    rng = np.random.default_rng(seed)
    history = {"loss": [], "train_acc": [], "val_acc": []}

    epoch_iter = range(epochs)
    if progress:
        from tqdm.auto import tqdm
        epoch_iter = tqdm(epoch_iter, desc="train", unit="epoch")
    for epoch in epoch_iter:
        order = rng.permutation(N)
        for start in range(0, N, batch_size):
            idx = order[start:start + batch_size]
            # gather the batch into a reused buffer (mode="clip": unbuffered; idx is always valid)
            Xb = np.take(X, idx, axis=0, out=Xb_buf[:idx.shape[0]], mode="clip")
            # gradients come out already multiplied by lr (backprop is linear in ds)
            L, g = _backprop(params, Xb, y[idx], n, act_forward, act_backward, ds_scale=lr, grads=grads)
            if reg:
                L += reg * sum(float(np.vdot(params[k], params[k])) for k in names_W)
            history["loss"].append(L)
            for k, p in params.items():
                gk = g[k]                                 # lr * dL/dp, overwritten below
                decay = reg and k[0] == "W"
                if momentum:                              # v = momentum v - lr (g + 2 reg W); p += v
                    v = velocity[k]
                    v *= momentum
                    v -= gk
                    if decay:
                        v -= np.multiply(p, 2.0 * lr * reg, out=gk)
                    p += v
                else:                                     # p = (1 - 2 lr reg) p - lr g
                    if decay:
                        p *= 1.0 - 2.0 * lr * reg
                    p -= gk
        if not np.isfinite(history["loss"][-1]):
            err = FloatingPointError(f"the loss became {history['loss'][-1]} at epoch {epoch + 1}; "
                                     f"lower lr (got lr={lr}); the history so far is in this error's .history")
            err.history = history
            raise err
        if eval_train:
            history["train_acc"].append(float(np.mean(_predict(params, X, n, act_forward) == y)))
        if X_val is not None:
            history["val_acc"].append(float(np.mean(_predict(params, X_val, n, act_forward) == y_val)))
        if progress:
            shown = {"loss": f"{history['loss'][-1]:.3f}"}
            for key in ("train_acc", "val_acc"):
                if history[key]:
                    shown[key] = f"{history[key][-1]:.3f}"
            epoch_iter.set_postfix(shown)
        if callback is not None:
            callback(epoch + 1, params, history)
        lr *= lr_decay
    return params, history
