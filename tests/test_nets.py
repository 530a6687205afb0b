"""Networks: backprop against numerical gradients for every depth and activation, and training."""
import numpy as np
import pytest

from book import nets
from book.data import spiral
from book.gradcheck import numerical_gradient, rel_error
from book.layers import ACTIVATIONS


def small_problem(sizes, seed, activation="relu", margin=1e-2):
    """A tiny net and batch whose hidden pre-activations all lie at least `margin` from 0.

    Biases are random too, so gradient entries are generically nonzero; hidden units whose
    pre-activations come too close to an activation's kink get their bias shifted away from it.
    """
    rng = np.random.default_rng(seed)
    params = nets.init_net(sizes, seed=seed, scale=0.8)
    for k in range(1, len(sizes)):
        params[f"b{k}"] = 0.3 * rng.standard_normal(sizes[k])
    X = rng.standard_normal((5, sizes[0]))
    y = np.arange(5) % sizes[-1]
    h = X
    for k in range(1, len(sizes) - 1):
        a = h @ params[f"W{k}"].T + params[f"b{k}"]
        for j in range(a.shape[1]):                          # move the whole column off the kink
            while np.min(np.abs(a[:, j])) < margin:
                params[f"b{k}"][j] += 3 * margin
                a[:, j] += 3 * margin
        assert np.min(np.abs(h @ params[f"W{k}"].T + params[f"b{k}"])) >= margin
        h = ACTIVATIONS[activation][0](a)[0]
    return params, X, y


def checkable_problem(sizes, activation, reg, seed=0, tries=50):
    """small_problem for the first seed whose numerical gradient has no tiny entries.

    rel_error is elementwise, and a centred difference carries ~1e-11 of rounding noise, so an
    entry of size 1e-5 could not be checked to 1e-7; entries that are exactly 0 (dead units) are fine.
    Returns params, X, y and the numerical gradients.
    """
    for s in range(seed, seed + tries):
        params, X, y = small_problem(sizes, s, activation)
        f = lambda _: nets.loss_and_grads(X, y, params, reg=reg, activation=activation)[0]
        num = {k: numerical_gradient(f, p) for k, p in params.items()}
        if all(np.all((g == 0) | (np.abs(g) > 1e-3)) for g in num.values()):
            return params, X, y, num
    raise AssertionError(f"no checkable problem for {sizes} {activation} in {tries} seeds")


@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
@pytest.mark.parametrize("sizes", [[4, 3], [4, 6, 3], [4, 6, 5, 3]], ids=["depth1", "depth2", "depth3"])
def test_loss_and_grads_numerically(sizes, activation):
    reg = 0.05
    params, X, y, num = checkable_problem(sizes, activation, reg)
    L, grads = nets.loss_and_grads(X, y, params, reg=reg, activation=activation)
    assert sorted(grads) == sorted(params)
    for name, p in params.items():
        assert grads[name].shape == p.shape
        err = rel_error(grads[name], num[name])
        assert err < 1e-7, f"{name}: relative error {err:.2e}"


def test_loss_includes_reg_and_starts_near_log_C():
    params = nets.init_net([10, 20, 4], seed=0, scale=1e-3)
    X = np.random.default_rng(0).standard_normal((50, 10))
    y = np.arange(50) % 4
    L0, _ = nets.loss_and_grads(X, y, params)
    assert L0 == pytest.approx(np.log(4), abs=1e-3)         # tiny weights: uniform probabilities
    L1, _ = nets.loss_and_grads(X, y, params, reg=10.0)
    assert L1 - L0 == pytest.approx(10.0 * sum(np.sum(params[k] ** 2) for k in ("W1", "W2")))


def test_init_net_shapes_scale_and_seed():
    params = nets.init_net([3072, 256, 10], seed=1)
    assert [params[k].shape for k in ("W1", "b1", "W2", "b2")] == [(256, 3072), (256,), (10, 256), (10,)]
    assert params["W1"].std() == pytest.approx(np.sqrt(2 / 3072), rel=0.01)
    assert not params["b1"].any()
    p32 = nets.init_net([3072, 256, 10], seed=1, dtype=np.float32)
    assert p32["W1"].dtype == np.float32 and np.allclose(p32["W1"], params["W1"], atol=1e-6)
    assert not np.array_equal(nets.init_net([5, 3], seed=2)["W1"], nets.init_net([5, 3], seed=3)["W1"])
    assert nets.init_net([5, 3], scale=0.5, seed=2)["W1"].std() > 0.2


def test_forward_and_predict_shapes():
    params = nets.init_net([6, 8, 8, 4], seed=0)
    X = np.random.default_rng(0).standard_normal((7, 6))
    s, caches = nets.forward(X, params, activation="tanh")
    assert s.shape == (7, 4) and len(caches) == 3
    assert np.array_equal(nets.predict(X, params, activation="tanh"), s.argmax(axis=1))


def test_train_step_is_sgd_on_loss_and_grads():
    """One full-batch step of train equals params - lr * grads (plain, with reg, with momentum)."""
    params, X, y = small_problem([4, 6, 3], seed=5)
    lr, reg = 0.3, 0.01
    L, grads = nets.loss_and_grads(X, y, params, reg=reg)
    for momentum in (0.0, 0.9):
        trained, history = nets.train(X, y, params, lr=lr, reg=reg, momentum=momentum, epochs=1,
                                      batch_size=len(y), progress=False)
        assert history["loss"][0] == pytest.approx(L, rel=1e-12)
        for k in params:
            assert np.allclose(trained[k], params[k] - lr * grads[k], rtol=1e-10, atol=1e-12), k


def test_train_reaches_high_accuracy_on_a_spiral():
    X, y = spiral()
    params = nets.init_net([2, 100, 3], seed=0)
    trained, history = nets.train(X, y, params, lr=1.0, epochs=100, batch_size=50, reg=1e-3, progress=False)
    assert history["train_acc"][-1] > 0.9
    assert np.mean(history["loss"][-6:]) < 0.5 * history["loss"][0]
    assert len(history["loss"]) == 100 * 6 and len(history["train_acc"]) == 100
    assert history["train_acc"][-1] == np.mean(nets.predict(X, trained) == y)
    # a linear model cannot do this: the same net without a hidden layer stays far below
    _, lin = nets.train(X, y, nets.init_net([2, 3], seed=0), lr=1.0, epochs=30, batch_size=50, progress=False)
    assert lin["train_acc"][-1] < 0.7


def test_train_keeps_float32_and_inputs():
    X, y = spiral(n_per_class=40)
    params = nets.init_net([2, 16, 3], seed=0, dtype=np.float32)
    before = {k: v.copy() for k, v in params.items()}
    trained, history = nets.train(X.astype(np.float32), y, params, X_val=X[:30], y_val=y[:30], lr=0.5, epochs=3,
                                  momentum=0.9, reg=1e-3, batch_size=32, progress=False)
    assert all(v.dtype == np.float32 for v in trained.values())
    assert all(np.array_equal(params[k], before[k]) for k in params), "train must not modify its input"
    assert all(isinstance(v, float) for v in history["loss"]) and len(history["val_acc"]) == 3
    L, grads = nets.loss_and_grads(X.astype(np.float32), y, trained, reg=1e-3)
    assert all(g.dtype == np.float32 for g in grads.values())
    s, _ = nets.forward(X.astype(np.float32), trained)
    assert s.dtype == np.float32


def test_train_eval_train_and_callback():
    X, y = spiral(n_per_class=30)
    seen = []
    callback = lambda epoch, params, history: seen.append((epoch, params["W1"].copy(), len(history["loss"])))
    trained, history = nets.train(X, y, nets.init_net([2, 8, 3], seed=0), lr=0.5, epochs=3, batch_size=40,
                                  eval_train=False, callback=callback, progress=False)
    assert history["train_acc"] == [] and len(history["loss"]) == 3 * 3
    assert [e for e, _, _ in seen] == [1, 2, 3] and [n for _, _, n in seen] == [3, 6, 9]
    assert not np.array_equal(seen[0][1], seen[2][1]) and np.array_equal(seen[2][1], trained["W1"])


def test_train_is_deterministic():
    X, y = spiral(n_per_class=40)
    run = lambda seed: nets.train(X, y, nets.init_net([2, 16, 3], seed=seed), lr=0.5, epochs=5, momentum=0.5,
                                  batch_size=16, progress=False, seed=seed)
    (p1, h1), (p2, h2), (_, h3) = run(0), run(0), run(1)
    assert h1 == h2 and all(np.array_equal(p1[k], p2[k]) for k in p1)
    assert h1["loss"] != h3["loss"]


def test_errors_name_the_problem():
    params = nets.init_net([4, 5, 3], seed=0)
    X = np.zeros((6, 4))
    with pytest.raises(ValueError, match=r"X must have shape \(N, D\) with D=4 matching W1 \(h1, D\)=\(5, 4\); got X of shape \(6, 5\)"):
        nets.loss_and_grads(np.zeros((6, 5)), np.zeros(6, int), params)
    with pytest.raises(ValueError, match=r"y holds labels outside 0\.\.2: found 3"):
        nets.train(X, [0, 1, 2, 3, 0, 1], params, progress=False)
    with pytest.raises(ValueError, match="activation must be one of"):
        nets.forward(X, params, activation="softplus")
    bad = dict(params, W2=np.zeros((3, 7)))
    with pytest.raises(ValueError, match=r"W2 must have shape \(h2, h1\) with h1=5 matching W1 \(5, 4\)"):
        nets.predict(X, bad)
    X_nan = X.copy()
    X_nan[0, 0] = np.nan
    with pytest.raises(ValueError, match="X contains NaN at 1 place"):
        nets.train(X_nan, np.zeros(6, int), params, progress=False)
    p32 = nets.init_net([4, 3], seed=0, dtype=np.float32)
    X_big = np.random.default_rng(0).standard_normal((6, 4)).astype(np.float32) * 1e10
    with np.errstate(all="ignore"), pytest.raises(FloatingPointError, match="lower lr") as err:
        nets.train(X_big, np.arange(6) % 3, p32, lr=1e30, epochs=2, progress=False)
    h = err.value.history                                     # the history so far comes with the error
    assert np.isfinite(h["loss"][0]) and np.isnan(h["loss"][-1]) and len(h["train_acc"]) == 1


def test_augment_sees_each_minibatch_and_its_own_generator():
    """augment(Xb, rng) runs on every minibatch before the step; the identity changes nothing, and
    its generator is not the one that orders the data."""
    X, y = spiral(n_per_class=30)
    start = nets.init_net([2, 8, 3], seed=0)
    seen = []

    def identity(Xb, rng):
        seen.append((Xb.shape[0], isinstance(rng, np.random.Generator)))
        return Xb

    plain, h_plain = nets.train(X, y, start, lr=0.5, epochs=2, batch_size=40)
    same, h_same = nets.train(X, y, start, lr=0.5, epochs=2, batch_size=40, augment=identity)
    assert seen == [(40, True), (40, True), (10, True)] * 2
    assert h_plain == h_same and all(np.array_equal(plain[k], same[k]) for k in plain)
    mirrored, _ = nets.train(X, y, start, lr=0.5, epochs=2, batch_size=40,
                             augment=lambda Xb, rng: Xb * np.where(rng.random(len(Xb)) < 0.5, -1, 1)[:, None])
    assert not np.array_equal(mirrored["W1"], plain["W1"])


def test_momentum_carries_across_epochs():
    """The velocity lives for the whole run: two epochs in one call differ from two calls of one
    epoch each (which would restart it)."""
    X, y = spiral(n_per_class=30)
    start = nets.init_net([2, 8, 3], seed=0)
    one_run, _ = nets.train(X, y, start, lr=0.3, momentum=0.9, epochs=2, batch_size=len(y))
    first, _ = nets.train(X, y, start, lr=0.3, momentum=0.9, epochs=1, batch_size=len(y))
    restarted, _ = nets.train(X, y, first, lr=0.3, momentum=0.9, epochs=1, batch_size=len(y))
    assert not np.allclose(one_run["W1"], restarted["W1"])
    # by hand: v1 = -lr g0, v2 = 0.9 v1 - lr g1 (full batch, so the order does not matter)
    _, g0 = nets.loss_and_grads(X, y, start)
    p1 = {k: start[k] - 0.3 * g0[k] for k in start}
    _, g1 = nets.loss_and_grads(X, y, p1)
    for k in start:
        assert np.allclose(one_run[k], p1[k] + 0.9 * (-0.3 * g0[k]) - 0.3 * g1[k])
