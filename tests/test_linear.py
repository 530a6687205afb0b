"""Perceptron and linear classifier: the update rule, convergence, gradients, training."""
import numpy as np
import pytest

from book import linear
from book.data import load_digits, separable
from book.gradcheck import numerical_gradient, rel_error


def test_perceptron_predict_sign_convention():
    X = np.array([[1.0, 0.0], [0.0, 0.0], [-1.0, 0.0]])
    assert linear.perceptron_predict(X, np.array([1.0, 0.0]), 0.0).tolist() == [1, 1, -1]


def test_perceptron_epoch_matches_hand_computed_steps():
    X = np.array([[1.0, 2.0], [2.0, -1.0], [-1.0, -1.0], [0.0, 2.0]])
    y = np.array([1, -1, 1, 1])
    w0, b0 = np.zeros(2), 0.0
    # lr = 0.5, starting from w = 0, b = 0:
    # x1: y(w.x + b) = 0 <= 0, mistake: w = 0.5 [1, 2] = [0.5, 1], b = 0.5
    # x2: w.x + b = 1 - 1 + 0.5 = 0.5 but y = -1, mistake: w = [0.5, 1] - 0.5 [2, -1] = [-0.5, 1.5], b = 0
    # x3: w.x + b = 0.5 - 1.5 = -1 but y = +1, mistake: w = [-0.5, 1.5] + 0.5 [-1, -1] = [-1, 1], b = 0.5
    # x4: w.x + b = 2 + 0.5 > 0 and y = +1: correct, no update
    w, b, mistakes = linear.perceptron_epoch(X, y, w0, b0, lr=0.5)
    assert w.tolist() == [-1.0, 1.0] and b == 0.5 and mistakes == 3
    assert w0.tolist() == [0.0, 0.0], "the input w must not be modified"


def test_perceptron_converges_on_separable_data():
    X, labels = separable(60, margin=0.3, seed=0)
    y = 2 * labels - 1                                  # the perceptron's labels {-1, +1}
    w, b, history = linear.perceptron_train(X, y, epochs=200, seed=0)
    assert history[0]["mistakes"] == len(y)           # w = 0 gets every point wrong (score 0)
    assert history[-1]["mistakes"] == 0
    assert len(history) < 201
    assert np.array_equal(linear.perceptron_predict(X, w, b), y)
    assert np.array_equal(history[-1]["w"], w) and history[-1]["b"] == b
    # the same seed gives the same run
    w2, b2, h2 = linear.perceptron_train(X, y, epochs=200, seed=0)
    assert np.array_equal(w, w2) and [h["mistakes"] for h in h2] == [h["mistakes"] for h in history]


def test_perceptron_never_converges_on_xor():
    X = np.array([[0, 0], [1, 1], [0, 1], [1, 0]], dtype=float)
    y = np.array([1, 1, -1, -1])
    _, _, history = linear.perceptron_train(X, y, epochs=20, seed=0)
    assert len(history) == 21 and min(h["mistakes"] for h in history[1:]) > 0


def test_perceptron_label_errors():
    X, _ = separable(10)
    with pytest.raises(ValueError, match=r"y must hold perceptron labels in \{-1, \+1\}; found 0"):
        linear.perceptron_train(X, np.zeros(10, dtype=int))
    with pytest.raises(ValueError, match=r"w must have shape \(D,\) with D=2"):
        linear.perceptron_epoch(X, np.ones(10), np.zeros(3), 0.0)


def test_scores_predict_accuracy():
    X = np.array([[1.0, 0.0], [0.0, 1.0]])
    W = np.array([[2.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    b = np.array([0.0, 0.0, 0.5])
    s = linear.scores(X, W, b)
    assert s.tolist() == [[2.0, 0.0, 1.5], [0.0, 1.0, 1.5]]
    assert linear.predict(X, W, b).tolist() == [0, 2]
    assert linear.accuracy(np.array([0, 2]), np.array([0, 1])) == 0.5


def test_shape_errors_name_the_shapes():
    W, b = linear.init_linear(64, 10)
    with pytest.raises(ValueError) as err:
        linear.scores(np.zeros((64, 10)), W, b)
    assert str(err.value) == ("X must have shape (N, D) with D=64 matching W (C, D)=(10, 64); "
                              "got X of shape (64, 10)")
    with pytest.raises(ValueError, match=r"b must have shape \(C,\) with C=10 matching W \(C, D\)=\(10, 64\); got b of shape \(64,\)"):
        linear.scores(np.zeros((3, 64)), W, np.zeros(64))
    with pytest.raises(ValueError, match=r"y holds labels outside 0\.\.9: found 10"):
        linear.linear_loss_and_grads(np.zeros((2, 64)), [3, 10], W, b)
    with pytest.raises(ValueError, match="loss must be one of"):
        linear.linear_loss_and_grads(np.zeros((2, 64)), [3, 1], W, b, loss="hinge2")
    with pytest.raises(ValueError, match="y_pred must have the shape of y"):
        linear.accuracy(np.zeros(3), np.zeros(4))


def test_init_linear():
    W, b = linear.init_linear(5, 3, scale=0.1, seed=1, dtype=np.float32)
    assert W.shape == (3, 5) and b.shape == (3,) and W.dtype == b.dtype == np.float32
    assert not b.any() and 0 < np.abs(W).max() < 1
    assert np.array_equal(W, linear.init_linear(5, 3, scale=0.1, seed=1, dtype=np.float32)[0])


@pytest.mark.parametrize("loss", ["softmax", "svm", "l2"])
def test_linear_loss_and_grads_numerically(loss):
    rng = np.random.default_rng(12)
    N, D, C = 6, 4, 3
    X = rng.standard_normal((N, D))
    y = rng.integers(0, C, N)
    W = rng.standard_normal((C, D))
    b = rng.standard_normal(C)
    if loss == "svm":   # keep every margin term away from its kink
        s = X @ W.T + b
        assert np.min(np.abs(s - s[np.arange(N), y][:, None] + 1.0)) > 1e-3
    reg = 0.05
    L, dW, db = linear.linear_loss_and_grads(X, y, W, b, reg=reg, loss=loss)
    # rel_error is elementwise: a gradient entry that is exactly 0 would compare against
    # rounding noise, so the data are chosen (seed) to have none
    assert np.abs(db).min() > 1e-3
    f = lambda _: linear.linear_loss_and_grads(X, y, W, b, reg=reg, loss=loss)[0]
    assert rel_error(dW, numerical_gradient(f, W)) < 1e-7
    assert rel_error(db, numerical_gradient(f, b)) < 1e-7
    L0 = linear.linear_loss_and_grads(X, y, W, b, reg=0.0, loss=loss)[0]
    assert L == pytest.approx(L0 + reg * np.sum(W ** 2))


@pytest.fixture(scope="module")
def digits():
    d = load_digits(seed=0, val_fraction=0.0)
    return d.X_train, d.y_train, d.X_test, d.y_test


def test_train_linear_on_digits(digits):
    X, y, X_test, y_test = digits
    W, b, history = linear.train_linear(X, y, lr=0.5, epochs=15, seed=0, X_val=X_test, y_val=y_test)
    test_acc = linear.accuracy(linear.predict(X_test, W, b), y_test)
    assert test_acc > 0.9
    assert history["val_acc"][-1] == test_acc
    assert len(history["train_acc"]) == 15 and len(history["loss"]) == 15 * int(np.ceil(len(y) / 200))
    assert np.mean(history["loss"][-10:]) < 0.5 * history["loss"][0]
    W2, b2, history2 = linear.train_linear(X, y, lr=0.5, epochs=15, seed=0, X_val=X_test, y_val=y_test)
    assert history2 == history and np.array_equal(W, W2)


def test_train_linear_keeps_float32(digits):
    X, y, _, _ = digits
    W, b, history = linear.train_linear(X[:300].astype(np.float32), y[:300], epochs=2, seed=1)
    assert W.dtype == b.dtype == np.float32
    assert history["val_acc"] == [] and len(history["train_acc"]) == 2
