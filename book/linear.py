"""The perceptron and the linear classifier s = W x + b.

Shapes: X (N, D) one example per row, W (C, D) whose row c is the template of class c, b (C,),
scores s = X @ W.T + b (N, C), integer labels y (N,). The perceptron is the two-class case with
one weight vector w (D,), a float bias b and labels in {-1, +1}.
"""
import numpy as np

from ._checks import as_array, check_finite, check_labels, check_same_length, fmt_shape
from .losses import LOSSES

__all__ = ["perceptron_predict", "perceptron_epoch", "perceptron_train", "scores", "predict",
           "accuracy", "init_linear", "linear_loss_and_grads", "train_linear"]


# ---------------------------------------------------------------- checks
def _X(X, D=None, against=None):
    hint = f"matching {against}" if against else None
    X = as_array("X", X, ndim=2, shape=(None, D), dims=("N", "D"), dtype="float", hint=hint)
    check_finite("X", X)
    return X


def _Wb(W, b, D=None):
    """W (C, D) and b (C,) as float arrays, checked (D fixed when given)."""
    W = as_array("W", W, ndim=2, shape=(None, D), dims=("C", "D"), dtype="float")
    check_finite("W", W)
    b = as_array("b", b, shape=(W.shape[0],), dims=("C",), dtype="float",
                 hint=f"matching W (C, D)={fmt_shape(W.shape)}")
    check_finite("b", b)
    return W, b


def _pm1_labels(y, N):
    y = as_array("y", y, ndim=1, shape=(N,), dims=("N",), dtype="int")
    bad = y[(y != 1) & (y != -1)]
    if bad.size:
        raise ValueError(f"y must hold perceptron labels in {{-1, +1}}; found {int(bad[0])} "
                         f"(map 0/1 labels with 2 * y - 1)")
    return y


def _wb(w, b, D):
    w = as_array("w", w, ndim=1, shape=(D,), dims=("D",), dtype="float", hint="matching X (N, D)")
    b = np.asarray(b, dtype=np.float64)
    if b.ndim != 0:
        raise ValueError(f"b must be a single number for the perceptron; got b of shape {fmt_shape(b.shape)}")
    return w, float(b)


# ---------------------------------------------------------------- perceptron
def perceptron_predict(X, w, b):
    """Perceptron decisions: +1 where w . x + b >= 0, else -1.

    X : (N, D).  w : (D,).  b : float.
    Returns (N,) int array of -1/+1.
    """
    X = _X(X)
    w, b = _wb(w, b, X.shape[1])
    return np.where(X @ w + b >= 0, 1, -1)


def perceptron_epoch(X, y, w, b, lr=1.0):
    """One pass over the data in order, applying the perceptron rule at each mistake.

    For i = 1..N: if y_i (w . x_i + b) <= 0 then w += lr y_i x_i and b += lr y_i.
    X : (N, D).  y : (N,) in {-1, +1}.  w : (D,).  b : float.  lr : float > 0.
    Returns (w, b, mistakes): new w (D,) float64 (the input is not modified), b float, and the
    number of updates made.
    """
    X = _X(X)
    y = _pm1_labels(y, X.shape[0])
    w, b = _wb(w, b, X.shape[1])
    w = w.astype(np.float64, copy=True)
    mistakes = 0
    b, lr = float(b), float(lr)
    # sequential by nature: each step sees the previous update. Python scalars for y_i, b and the
    # score keep the loop's per-example overhead low (the same float64 arithmetic).
    for x_i, y_i in zip(X, y.tolist()):
        if y_i * (float(x_i @ w) + b) <= 0:
            w += (lr * y_i) * x_i
            b += lr * y_i
            mistakes += 1
    return w, b, mistakes


def perceptron_train(X, y, epochs=100, lr=1.0, seed=0, shuffle=True):
    """Train a perceptron from w = 0, b = 0 until an epoch makes no mistake (or `epochs` run out).

    X : (N, D).  y : (N,) in {-1, +1}.  shuffle : visit points in a fresh random order each epoch,
    drawn from np.random.default_rng(seed).
    Returns (w, b, history): history[0] is the start ({"w", "b", "mistakes"} with mistakes =
    points misclassified by w = 0, i.e. all), then one dict per epoch with the updates it made.
    """
    X = _X(X)
    y = _pm1_labels(y, X.shape[0])
    rng = np.random.default_rng(seed)
    w, b = np.zeros(X.shape[1]), 0.0
    history = [{"w": w.copy(), "b": b, "mistakes": int(np.sum(y * (X @ w + b) <= 0))}]
    for _ in range(epochs):
        order = rng.permutation(X.shape[0]) if shuffle else np.arange(X.shape[0])
        w, b, mistakes = perceptron_epoch(X[order], y[order], w, b, lr=lr)
        history.append({"w": w.copy(), "b": b, "mistakes": mistakes})
        if mistakes == 0:
            break
    return w, b, history


# ---------------------------------------------------------------- linear classifier
def scores(X, W, b):
    """Class scores s = X @ W.T + b.

    X : (N, D).  W : (C, D).  b : (C,).  Returns s (N, C).
    """
    W, b = _Wb(W, b)
    X = _X(X, W.shape[1], against=f"W (C, D)={fmt_shape(W.shape)}")
    return X @ W.T + b


def predict(X, W, b):
    """Predicted classes argmax_c s_c.  X : (N, D), W : (C, D), b : (C,).  Returns (N,) ints."""
    return np.argmax(scores(X, W, b), axis=1)


def accuracy(y_pred, y):
    """Fraction of y_pred equal to y, a float in [0, 1].  y_pred, y : (N,)."""
    y_pred = as_array("y_pred", y_pred, ndim=1, dims=("N",))
    y = as_array("y", y, ndim=1, dims=("N",))
    if y_pred.shape != y.shape:
        raise ValueError(f"y_pred must have the shape of y {fmt_shape(y.shape)}; got y_pred of shape {fmt_shape(y_pred.shape)}")
    if y.size == 0:
        raise ValueError("y must hold at least one label to compute an accuracy; got an empty array")
    return float(np.mean(y_pred == y))


def init_linear(D, C, scale=1e-3, seed=0, dtype=np.float64):
    """Small random weights W = scale * N(0, 1) of shape (C, D) and zero biases b (C,)."""
    for name, v in (("D", D), ("C", C)):
        if int(v) != v or v < 1:
            raise ValueError(f"{name} must be a positive integer; got {v!r}")
    rng = np.random.default_rng(seed)
    W = (scale * rng.standard_normal((int(C), int(D)))).astype(dtype)
    return W, np.zeros(int(C), dtype=dtype)


def _linear_loss_and_grads(W, b, X, y, reg, loss_fn):
    """Unchecked core of linear_loss_and_grads."""
    s = X @ W.T
    s += b
    L, ds = loss_fn(s, y)
    dW = ds.T @ X
    db = ds.sum(axis=0)
    if reg:
        L += reg * float(np.sum(W * W))
        dW += (2 * reg) * W
    return L, dW, db


def linear_loss_and_grads(W, b, X, y, reg=0.0, loss="softmax"):
    """Loss of the linear classifier and its gradients.

    L = mean_i loss(s_i, y_i) + reg * sum(W**2), with s = X @ W.T + b.
    W : (C, D).  b : (C,).  X : (N, D).  y : (N,) labels in 0..C-1.
    loss : "softmax" (cross-entropy), "svm" (multiclass hinge) or "l2" (squared error to one-hot).
    Returns (L, dW (C, D), db (C,)); by the chain rule dW = ds.T @ X and db = sum_i ds_i.
    """
    if loss not in LOSSES:
        raise ValueError(f"loss must be one of {sorted(LOSSES)}; got {loss!r}")
    W, b = _Wb(W, b)
    X = _X(X, W.shape[1], against=f"W (C, D)={fmt_shape(W.shape)}")
    y = check_labels("y", y, W.shape[0], N=X.shape[0])
    return _linear_loss_and_grads(W, b, X, y, reg, LOSSES[loss])


def train_linear(X, y, *, C=None, loss="softmax", reg=1e-4, lr=1e-1, epochs=10, batch_size=128,
                 seed=0, X_val=None, y_val=None, lr_decay=1.0, progress=False):
    """Minibatch stochastic gradient descent for a linear classifier.

    X : (N, D).  y : (N,) labels in 0..C-1 (C defaults to max label + 1).
    Each epoch visits the data in a fresh order from np.random.default_rng(seed) in batches of
    `batch_size`, stepping W -= lr dW, b -= lr db; after each epoch lr *= lr_decay.
    Returns (W, b, history) with history = {"loss": [per step], "train_acc": [per epoch],
    "val_acc": [per epoch, empty without X_val]}.
    """
    if loss not in LOSSES:
        raise ValueError(f"loss must be one of {sorted(LOSSES)}; got {loss!r}")
    X = _X(X)
    y = as_array("y", y, ndim=1, dims=("N",), dtype="int")
    check_same_length("X", X, "y", y)
    if C is None:
        C = int(max(y.max(), -1 if y_val is None else np.max(y_val))) + 1
    y = check_labels("y", y, C, N=X.shape[0])
    if (X_val is None) != (y_val is None):
        raise ValueError("X_val and y_val must be given together")
    if X_val is not None:
        X_val = as_array("X_val", X_val, ndim=2, shape=(None, X.shape[1]), dims=("N_val", "D"),
                         dtype="float", hint="matching X (N, D)")
        y_val = check_labels("y_val", y_val, C, N=X_val.shape[0])
    if int(batch_size) < 1:
        raise ValueError(f"batch_size must be a positive integer; got {batch_size!r}")
    N, D = X.shape
    W, b = init_linear(D, C, seed=seed, dtype=X.dtype)
    rng = np.random.default_rng(seed)
    loss_fn = LOSSES[loss]
    history = {"loss": [], "train_acc": [], "val_acc": []}
    epoch_iter = range(epochs)
    if progress:
        from tqdm.auto import tqdm
        epoch_iter = tqdm(epoch_iter, desc="train_linear")
    for _ in epoch_iter:
        order = rng.permutation(N)
        for start in range(0, N, batch_size):
            idx = order[start:start + batch_size]
            L, dW, db = _linear_loss_and_grads(W, b, X[idx], y[idx], reg, loss_fn)
            W -= lr * dW
            b -= lr * db
            history["loss"].append(L)
        if not np.isfinite(history["loss"][-1]):
            err = FloatingPointError(f"the loss became {history['loss'][-1]} at epoch {len(history['train_acc']) + 1}; "
                                     f"lower lr (got lr={lr}); the history so far is in this error's .history")
            err.history = history
            raise err
        history["train_acc"].append(accuracy(np.argmax(X @ W.T + b, axis=1), y))
        if X_val is not None:
            history["val_acc"].append(accuracy(np.argmax(X_val @ W.T + b, axis=1), y_val))
        lr *= lr_decay
    return W, b, history
