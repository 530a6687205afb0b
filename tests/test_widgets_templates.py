"""Chapter 2's explorers: the template browser and the plane explorer."""
import base64
import io

import numpy as np
import pytest

from book.data import blobs, load_digits
from book.linear import train_linear
from book.linear import scores
from book.plots import rescale_rows
from book.widgets.templates import (cifar10_template_browser, draw_scores_2d, plane_explorer, sprite,
                                    template_browser)


@pytest.fixture(scope="module")
def digits_model():
    d = load_digits(seed=0)
    W, b, _ = train_linear(d.X_train, d.y_train, C=10, lr=0.5, reg=1e-3, epochs=10, batch_size=64)
    return d, W, b


@pytest.fixture(scope="module")
def blobs_model():
    X, y = blobs(seed=0)
    W, b, _ = train_linear(X, y, C=3, lr=0.1, reg=1e-3, epochs=20, batch_size=32)
    return X, y, W, b


def _image(url):
    from PIL import Image

    return np.asarray(Image.open(io.BytesIO(base64.b64decode(url.split(",", 1)[1]))))


def test_sprite_lays_images_out_in_rows():
    imgs = np.random.default_rng(0).uniform(size=(5, 4, 3))
    sheet = _image(sprite(imgs, 2))
    assert sheet.shape == (12, 6)
    assert np.array_equal(sheet[4:8, 3:6], np.round(imgs[3] * 255).astype(np.uint8))   # row 1, column 1
    with pytest.raises(ValueError, match="fmt must be"):
        sprite(imgs, 2, fmt="GIF")


def test_template_browser_carries_the_library_scores_and_the_images(digits_model):
    d, W, b = digits_model
    X, y = d.X_test[:50], d.y_test[:50]
    ex = template_browser(W, b, X, y, class_names=d.class_names, k=4)
    assert np.allclose(ex.scores, scores(X, W, b), atol=1e-3)
    assert ex.y == y.tolist() and ex.k == 4 and ex.image_shape == [8, 8]
    sheet = _image(ex.images)
    assert sheet.shape == (5 * 8, 10 * 8)
    assert np.array_equal(sheet[8:16, 16:24], np.round(X[12].reshape(8, 8) * 255).astype(np.uint8))
    templates = _image(ex.templates)
    assert np.array_equal(templates[:, 8:16], np.round(rescale_rows(W)[1].reshape(8, 8) * 255).astype(np.uint8))


def test_template_browser_rejects_bad_input(digits_model):
    d, W, b = digits_model
    for kwargs, match in [({"X": d.X_test[:50] * 255}, r"pixels must lie in \[0, 1\]"),
                          ({"X": d.X_test[:300], "y": d.y_test[:300]}, "2 to 200 images"),
                          ({"image_shape": (4, 4)}, "image_shape must be"), ({"k": 30}, "k must be in")]:
        args = {"W": W, "b": b, "X": d.X_test[:50], "y": d.y_test[:50], **kwargs}
        with pytest.raises(ValueError, match=match):
            template_browser(**args)


def test_cifar10_template_browser_uses_real_images_and_the_trained_weights():
    from book.cifar10 import load_cifar10_sample
    from book.experiments import load_cifar10_results

    ex = cifar10_template_browser(per_class=2)
    X, y, names = load_cifar10_sample()
    assert ex.class_names == list(names) and len(ex.y) == 20 and ex.image_shape == [32, 32]
    assert ex.images.startswith("data:image/jpeg;base64,")
    r = load_cifar10_results()
    first = np.flatnonzero(np.asarray(y) == 0)[0]
    s = (np.asarray(X[first], dtype=np.float64).reshape(-1) / 255) @ r["linear_W"].T.astype(np.float64) + r["linear_b"]
    assert np.allclose(ex.scores[0], s, atol=1e-3)


def test_plane_explorer_state_and_errors(blobs_model):
    X, y, W, b = blobs_model
    ex = plane_explorer(X, y, W, b, c=1, class_names=["a", "b", "c"])
    assert ex.c == 1 and ex.class_names == ["a", "b", "c"]
    assert np.allclose(ex.W, np.clip(W, -3, 3), atol=0.005) and np.allclose(ex.b, b, atol=0.005)   # slider steps
    assert ex.lim > np.abs(X).max()
    with pytest.raises(ValueError, match="c must be a class index"):
        plane_explorer(X, y, W, b, c=3)


def test_draw_scores_2d_draws_lines_normal_to_the_rows(blobs_model):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    X, y, W, b = blobs_model
    fig, ax = plt.subplots()
    draw_scores_2d(ax, X, y, W, b)
    lines = [l for l in ax.get_lines() if len(l.get_xdata()) == 2]
    assert len(lines) == 3
    for c, line in enumerate(lines):
        p = np.column_stack([line.get_xdata(), line.get_ydata()])
        assert np.allclose(p @ W[c] + b[c], 0, atol=1e-9), "each line is where s_c = 0"
    plt.close(fig)
