"""book.data: the digits split and the toy 2-D sets."""
import numpy as np
import pytest

from book import data as bd


# --------------------------------------------------------------------------- digits
def test_digits_split_sizes_and_scaling():
    d = bd.load_digits()
    sizes = [len(d.y_train), len(d.y_val), len(d.y_test)]
    assert sum(sizes) == 1797
    assert abs(sizes[1] - 0.2 * 1797) <= 10 and abs(sizes[2] - 0.2 * 1797) <= 10
    for X, y in [(d.X_train, d.y_train), (d.X_val, d.y_val), (d.X_test, d.y_test)]:
        assert X.shape == (len(y), 64) and X.dtype == np.float64 and y.dtype == np.int64
    X_all = np.concatenate([d.X_train, d.X_val, d.X_test])
    assert X_all.min() == 0.0 and X_all.max() == 1.0
    assert d.class_names == tuple("0123456789") and d.image_shape == (8, 8)


def test_digits_split_is_a_stratified_partition():
    from sklearn.datasets import load_digits as sk
    raw = sk()
    d = bd.load_digits(seed=3)
    # a partition: the three splits together are exactly the original rows (as multisets)
    X_all = np.concatenate([d.X_train, d.X_val, d.X_test]) * 16
    y_all = np.concatenate([d.y_train, d.y_val, d.y_test])
    key = lambda X, y: sorted(map(bytes, np.column_stack([X, y]).astype(np.uint8)))
    assert key(X_all, y_all) == key(raw.data, raw.target)
    # stratified: each class's share in each split is its rounded share of the class
    counts = np.bincount(raw.target)
    for y, frac in [(d.y_val, 0.2), (d.y_test, 0.2)]:
        np.testing.assert_array_equal(np.bincount(y, minlength=10), np.round(frac * counts))


def test_digits_deterministic_and_seeded():
    a, b, c = bd.load_digits(seed=0), bd.load_digits(seed=0), bd.load_digits(seed=1)
    np.testing.assert_array_equal(a.X_train, b.X_train)
    np.testing.assert_array_equal(a.y_test, b.y_test)
    assert not np.array_equal(a.y_train, c.y_train)


def test_digits_options_and_errors():
    d = bd.load_digits(val_fraction=0.0, test_fraction=0.5)
    assert d.X_val is None and d.y_val is None
    assert abs(len(d.y_test) - 1797 / 2) <= 10
    with pytest.raises(ValueError, match="val_fraction \\+ test_fraction"):
        bd.load_digits(val_fraction=0.5, test_fraction=0.5)
    with pytest.raises(ValueError, match="test_fraction"):
        bd.load_digits(test_fraction=0.0)
    with pytest.raises(ValueError, match="val_fraction"):
        bd.load_digits(val_fraction=-0.1)


# --------------------------------------------------------------------------- toy sets
TOYS = {
    "blobs": (lambda seed: bd.blobs(n=301, classes=4, seed=seed), 301, 4),
    "xor": (lambda seed: bd.xor(n=202, seed=seed), 202, 2),
    "circles": (lambda seed: bd.circles(n=201, seed=seed), 201, 2),
    "spiral": (lambda seed: bd.spiral(n_per_class=50, arms=5, seed=seed), 250, 5),
}


@pytest.mark.parametrize("name", TOYS)
def test_toy_shapes_labels_determinism(name):
    make, n, C = TOYS[name]
    X, y = make(0)
    assert X.shape == (n, 2) and X.dtype == np.float64 and np.isfinite(X).all()
    assert y.shape == (n,) and y.dtype == np.int64
    counts = np.bincount(y)
    assert len(counts) == C and counts.max() - counts.min() <= 1
    X2, y2 = make(0)
    np.testing.assert_array_equal(X, X2)
    np.testing.assert_array_equal(y, y2)
    X3, _ = make(1)
    assert not np.allclose(X, X3)
    assert len(set(y[:20])) > 1                     # shuffled, not class after class


def _linear_train_accuracy(X, y):
    from sklearn.linear_model import LogisticRegression
    clf = LogisticRegression(C=1e6, max_iter=20000).fit(X, y)
    return clf.score(X, y)


@pytest.mark.parametrize("classes", [2, 3, 7])
def test_blobs_are_linearly_separable(classes):
    X, y = bd.blobs(n=400, classes=classes, seed=5, spread=0.8)
    assert _linear_train_accuracy(X, y) == 1.0


def test_xor_and_circles_are_not_linearly_separable():
    assert _linear_train_accuracy(*bd.xor(n=400)) < 0.8
    assert _linear_train_accuracy(*bd.circles(n=400)) < 0.8


def test_toy_geometry():
    X, y = bd.circles(n=400, noise=0.0, factor=0.3)
    r = np.linalg.norm(X, axis=1)
    np.testing.assert_allclose(r[y == 0], 1.0)
    np.testing.assert_allclose(r[y == 1], 0.3)
    X, y = bd.xor(n=400, noise=0.0)
    np.testing.assert_array_equal(y, (X[:, 0] * X[:, 1] < 0).astype(int))
    X, y = bd.spiral(n_per_class=100, arms=3, noise=0.0)
    assert np.linalg.norm(X, axis=1).max() == pytest.approx(1.0)


def test_separable_is_split_by_its_line_with_a_margin():
    X, y = bd.separable(n=80, margin=0.25, seed=1)
    assert X.shape == (80, 2) and X.dtype == np.float64 and y.dtype == np.int64
    assert set(y.tolist()) == {0, 1} and np.abs(X).max() <= 2
    dist = (X @ np.array([1.0, 2.0]) - 1.0) / np.sqrt(5)       # signed distance to x1 + 2 x2 = 1
    assert np.abs(dist).min() >= 0.25
    np.testing.assert_array_equal(y, (dist > 0).astype(int))
    X2, y2 = bd.separable(n=80, margin=0.25, seed=1)
    np.testing.assert_array_equal(X, X2)
    with pytest.raises(ValueError, match="choose a smaller margin"):
        bd.separable(n=50, margin=3.0)


def test_toy_bad_arguments():
    with pytest.raises(ValueError, match="classes"):
        bd.blobs(classes=1)
    with pytest.raises(TypeError, match="n"):
        bd.xor(n=2.5)
    with pytest.raises(ValueError, match="factor"):
        bd.circles(factor=1.5)
    with pytest.raises(ValueError, match="noise"):
        bd.spiral(noise=-1)
