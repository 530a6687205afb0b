"""Losses: values, stability, gradients (checked numerically in float64) and errors."""
import warnings

import numpy as np
import pytest

from book.gradcheck import numerical_gradient, rel_error
from book.losses import (LOSSES, hinge, kl_divergence, kl_loss, log_softmax, one_hot, softmax,
                         softmax_cross_entropy, squared_error)

RNG_SEED = 0


def batch(N=5, C=4, seed=RNG_SEED):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((N, C)), rng.integers(0, C, N)


def test_softmax_rows_are_distributions_and_shift_invariant():
    s, _ = batch()
    p = softmax(s)
    assert p.shape == s.shape
    assert np.allclose(p.sum(axis=1), 1)
    assert (p > 0).all()
    assert np.allclose(softmax(s + 100.0), p)
    naive = np.exp(s) / np.exp(s).sum(axis=1, keepdims=True)
    assert np.allclose(p, naive)
    assert np.allclose(softmax(s[0]), p[0])                 # a single example (C,)


def test_softmax_finite_for_huge_scores():
    s = np.array([[1e4, 0.0, -1e4], [1e4, 1e4, 1e4], [-1e4, -1e4, -1e4 + 1]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")                       # an overflow warning would fail here
        p = softmax(s)
        lp = log_softmax(s)
        L, ds = softmax_cross_entropy(s, np.array([1, 0, 2]))
    assert np.isfinite(p).all() and np.isfinite(lp).all() and np.isfinite(ds).all()
    assert np.allclose(p[0], [1, 0, 0]) and np.allclose(p[1], 1 / 3)
    assert lp[0, 1] == pytest.approx(-1e4)
    # per row: logsumexp(s) - s_y = 1e4, log 3, log(1 + 2 e^-1)
    assert L == pytest.approx((1e4 + np.log(3) + np.log1p(2 * np.exp(-1.0))) / 3, rel=1e-12)


def test_log_softmax_is_log_of_softmax():
    s, _ = batch()
    assert np.allclose(log_softmax(s), np.log(softmax(s)))


def test_one_hot():
    t = one_hot([2, 0], 3)
    assert t.tolist() == [[0, 0, 1], [1, 0, 0]] and t.dtype == np.float64


def test_cross_entropy_lecture_example():
    # the lecture's scores [3.2, 5.1, -1.7], correct class 0 (cat)
    s = np.array([3.2, 5.1, -1.7])
    p = softmax(s)
    L, ds = softmax_cross_entropy(s, 0)
    assert round(p[0], 2) == 0.13
    assert round(L, 2) == 2.04
    assert L == pytest.approx(-np.log(np.exp(3.2) / np.exp(s).sum()))
    assert np.allclose(ds, p - [1, 0, 0])


def test_cross_entropy_is_mean_over_batch_and_log_C_at_uniform():
    s, y = batch(N=6, C=10)
    per_example = [softmax_cross_entropy(s[i], y[i])[0] for i in range(6)]
    assert softmax_cross_entropy(s, y)[0] == pytest.approx(np.mean(per_example))
    assert softmax_cross_entropy(np.zeros((4, 10)), [0, 1, 2, 3])[0] == pytest.approx(np.log(10))


def check_loss_gradient(loss, s, y):
    L, ds = loss(s, y)
    num = numerical_gradient(lambda v: loss(v, y)[0], s)
    assert ds.shape == s.shape
    err = rel_error(ds, num)
    assert err < 1e-7, f"{loss.__name__}: relative error {err:.2e}"


@pytest.mark.parametrize("name", ["softmax", "l2"])
def test_gradients_softmax_and_l2(name):
    s, y = batch(N=6, C=5, seed=3)
    check_loss_gradient(LOSSES[name], s, y)


def test_gradient_hinge_away_from_kinks():
    s, y = batch(N=6, C=5, seed=4)
    margins = s - s[np.arange(6), y][:, None] + 1.0
    assert np.min(np.abs(margins)) > 1e-3                    # no margin term sits at its kink
    check_loss_gradient(hinge, s, y)


def test_gradient_kl_loss():
    s, _ = batch(N=4, C=3, seed=5)
    P = softmax(np.random.default_rng(6).standard_normal((4, 3)))
    L, ds = kl_loss(s, P)
    num = numerical_gradient(lambda v: kl_loss(v, P)[0], s)
    assert rel_error(ds, num) < 1e-7


def test_kl_divergence_values():
    P = np.array([0.5, 0.5, 0.0])
    Q = np.array([0.25, 0.25, 0.5])
    assert kl_divergence(P, Q) == pytest.approx(np.log(2))   # 0 log 0 counted as 0
    assert kl_divergence(Q, Q) == 0.0
    assert kl_divergence(Q, P) == np.inf
    rows = softmax(batch()[0])
    assert kl_divergence(rows, rows[::-1]) > 0


def test_kl_loss_with_one_hot_targets_equals_cross_entropy():
    s, y = batch(N=5, C=4, seed=7)
    L_kl, ds_kl = kl_loss(s, one_hot(y, 4))
    L_ce, ds_ce = softmax_cross_entropy(s, y)
    assert L_kl == pytest.approx(L_ce)
    assert np.allclose(ds_kl, ds_ce)


def test_squared_error_values():
    s = np.array([[1.0, 0.0], [0.5, 0.5]])
    L, ds = squared_error(s, [1, 0])        # targets [0, 1] and [1, 0]
    assert L == pytest.approx(((1 + 1) + (0.25 + 0.25)) / 2)
    assert np.allclose(ds, 2 * (s - [[0, 1], [1, 0]]) / 2)
    L2, _ = squared_error(s, np.array([[1.0, 0.0], [0.5, 0.5]]))   # float targets
    assert L2 == 0.0


def test_hinge_hand_value():
    s = np.array([[3.2, 5.1, -1.7]])        # lecture-style scores, correct class 0
    L, ds = hinge(s, [0])
    assert L == pytest.approx(max(0, 5.1 - 3.2 + 1) + max(0, -1.7 - 3.2 + 1))
    assert ds.tolist() == [[-1.0, 1.0, 0.0]]


def test_losses_keep_float32():
    s, y = batch()
    s32 = s.astype(np.float32)
    for loss in LOSSES.values():
        L, ds = loss(s32, y)
        assert ds.dtype == np.float32 and isinstance(L, float)
    assert softmax(s32).dtype == np.float32
    assert kl_loss(s32, softmax(s32))[1].dtype == np.float32


def test_inputs_are_not_modified():
    s, y = batch()
    s0 = s.copy()
    for loss in LOSSES.values():
        loss(s, y)
    softmax(s)
    assert np.array_equal(s, s0)


def test_bad_inputs_give_clear_errors():
    s, y = batch(N=4, C=3)
    with pytest.raises(ValueError, match=r"y holds labels outside 0\.\.2: found 3"):
        softmax_cross_entropy(s, [0, 1, 2, 3])
    with pytest.raises(ValueError, match=r"y must have shape \(N,\) with N=4.*got y of shape \(3,\)"):
        softmax_cross_entropy(s, [0, 1, 2])
    bad = s.copy()
    bad[1, 2] = np.nan
    with pytest.raises(ValueError, match="s contains NaN at 1 place"):
        softmax_cross_entropy(bad, y)
    with pytest.raises(ValueError, match=r"s must be 1-D or 2-D.*got s of shape \(2, 2, 2\)"):
        softmax(np.zeros((2, 2, 2)))
    with pytest.raises(ValueError, match=r"P must sum to 1.*row 0 sums to 2"):
        kl_divergence(np.array([[1.0, 1.0]]), np.array([[0.5, 0.5]]))
    with pytest.raises(ValueError, match=r"Q must have the shape of the other argument \(1, 2\)"):
        kl_divergence(np.array([[0.5, 0.5]]), np.array([0.5, 0.5]))
    with pytest.raises(ValueError, match="negative"):
        kl_loss(s, np.tile([1.5, -0.25, -0.25], (4, 1)))
    with pytest.raises(ValueError, match=r"y as targets must have the shape of s"):
        squared_error(s, np.zeros((4, 2)))
