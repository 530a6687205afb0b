"""The perceptron and the linear classifier s = W x + b.

Shapes: X (N, D) one example per row, W (C, D) whose row c is the template of class c, b (C,),
scores s = X @ W.T + b (N, C), integer labels y (N,). The perceptron is the two-class case with
one weight vector w (D,), a float bias b and labels in {-1, +1}.
"""
import numpy as np

from . import _validate as inputs
from ._validate import checked
from .losses import LOSSES, l2_penalty

__all__ = ["perceptron_predict", "perceptron_epoch", "perceptron_train", "scores", "predict",
           "accuracy", "init_linear", "linear_loss_and_grads", "train_linear"]


# ---------------------------------------------------------------- perceptron
@checked(inputs.perceptron_args)
def perceptron_predict(X, w, b):
    """Perceptron decisions: +1 where w . x + b >= 0, else -1.

    X : (N, D).  w : (D,).  b : float.
    Returns (N,) int array of -1/+1.
    """
    return np.where(X @ w + b >= 0, 1, -1)


@checked(inputs.perceptron_args)
def perceptron_epoch(X, y, w, b, lr=1.0):
    """One pass over the data in order, applying the perceptron rule at each mistake.

    For i = 1..N: if y_i (w . x_i + b) <= 0 then w += lr y_i x_i and b += lr y_i.
    X : (N, D).  y : (N,) in {-1, +1}.  w : (D,).  b : float.  lr : float > 0.
    Returns (w, b, mistakes): new w (D,) float64 (the input is not modified), b float, and the
    number of updates made.
    """
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


@checked(inputs.perceptron_data)
def perceptron_train(X, y, epochs=100, lr=1.0, seed=0, shuffle=True):
    """Train a perceptron from w = 0, b = 0 until an epoch makes no mistake (or `epochs` run out).

    X : (N, D).  y : (N,) in {-1, +1}.  shuffle : visit points in a fresh random order each epoch,
    drawn from np.random.default_rng(seed).
    Returns (w, b, history): history[0] is the start ({"w", "b", "mistakes"} with mistakes =
    points misclassified by w = 0, i.e. all), then one dict per epoch with the updates it made.
    """
    rng = np.random.default_rng(seed)
    w, b = np.zeros(X.shape[1]), 0.0
    history = [{"w": w.copy(), "b": b, "mistakes": int(np.sum(y * (X @ w + b) <= 0))}]
    for _ in range(epochs):
        order = rng.permutation(X.shape[0]) if shuffle else np.arange(X.shape[0])
        w, b, mistakes = perceptron_epoch.unchecked(X[order], y[order], w, b, lr=lr)
        history.append({"w": w.copy(), "b": b, "mistakes": mistakes})
        if mistakes == 0:
            break
    return w, b, history


# ---------------------------------------------------------------- linear classifier
@checked(inputs.linear_args)
def scores(X, W, b):
    """Class scores s = X @ W.T + b.

    X : (N, D).  W : (C, D).  b : (C,).  Returns s (N, C).
    """
    return X @ W.T + b


@checked(inputs.linear_args)
def predict(X, W, b):
    """Predicted classes argmax_c s_c.  X : (N, D), W : (C, D), b : (C,).  Returns (N,) ints."""
    return np.argmax(X @ W.T + b, axis=1)


@checked(inputs.two_label_arrays)
def accuracy(y_pred, y):
    """Fraction of y_pred equal to y, a float in [0, 1].  y_pred, y : (N,)."""
    return float(np.mean(y_pred == y))


@checked(inputs.sizes)
def init_linear(D, C, scale=1e-3, seed=0, dtype=np.float64):
    """Small random weights W = scale * N(0, 1) of shape (C, D) and zero biases b (C,)."""
    rng = np.random.default_rng(seed)
    W = (scale * rng.standard_normal((C, D))).astype(dtype)
    return W, np.zeros(C, dtype=dtype)


@checked(inputs.linear_args)
def linear_loss_and_grads(X, y, W, b, reg=0.0, loss="softmax"):
    """Loss of the linear classifier and its gradients.

    L = mean_i loss(s_i, y_i) + reg * sum(W**2), with s = X @ W.T + b.
    X : (N, D).  y : (N,) labels in 0..C-1.  W : (C, D).  b : (C,).
    loss : "softmax" (cross-entropy), "svm" (multiclass hinge) or "l2" (squared error to one-hot).
    Returns (L, dW (C, D), db (C,)).
    """
    s = X @ W.T + b                          # scores (N, C)
    L, ds = LOSSES[loss].unchecked(s, y)     # the mean loss and ds = dL/ds (N, C)
    dW = ds.T @ X                            # chain rule through s = X W^T + b
    db = ds.sum(axis=0)
    R, dR = l2_penalty(W, reg)               # + reg * sum(W**2), whose gradient is 2 reg W
    return L + R, dW + dR, db


@checked(inputs.train_linear_args)
def train_linear(X, y, *, C=None, loss="softmax", reg=0.0, lr=1e-1, epochs=10, batch_size=200,
                 seed=0, X_val=None, y_val=None, lr_decay=1.0, progress=False):
    """Minibatch stochastic gradient descent for a linear classifier.

    X : (N, D).  y : (N,) labels in 0..C-1 (C defaults to max label + 1).
    Each epoch visits the data in a fresh order from np.random.default_rng(seed) in batches of
    `batch_size`, stepping W -= lr dW, b -= lr db; after each epoch lr *= lr_decay.
    Returns (W, b, history) with history = {"loss": [per step], "train_acc": [per epoch],
    "val_acc": [per epoch, empty without X_val]}.
    """
    N, D = X.shape
    W, b = init_linear(D, C, seed=seed, dtype=X.dtype)
    rng = np.random.default_rng(seed)
    history = {"loss": [], "train_acc": [], "val_acc": []}
    epoch_iter = range(epochs)
    if progress:
        from tqdm.auto import tqdm
        epoch_iter = tqdm(epoch_iter, desc="train_linear")
    for _ in epoch_iter:
        order = rng.permutation(N)
        for start in range(0, N, batch_size):
            idx = order[start:start + batch_size]
            L, dW, db = linear_loss_and_grads.unchecked(X[idx], y[idx], W, b, reg, loss)
            W -= lr * dW
            b -= lr * db
            history["loss"].append(L)
        if not np.isfinite(history["loss"][-1]):
            err = FloatingPointError(f"the loss became {history['loss'][-1]} at epoch {len(history['train_acc']) + 1}; "
                                     f"lower lr (got lr={lr}); the history so far is in this error's .history")
            err.history = history
            raise err
        history["train_acc"].append(accuracy.unchecked(predict.unchecked(X, W, b), y))
        if X_val is not None:
            history["val_acc"].append(accuracy.unchecked(predict.unchecked(X_val, W, b), y_val))
        lr *= lr_decay
    return W, b, history
