"""The playground explorer: real training runs, one per setting, and controls that change the picture."""
import json
import re

import numpy as np
import pytest

from book import nets
from book.widgets import playground as pg


@pytest.fixture(scope="module")
def small():
    """A small playground (2 x 1 x 2 x 1 x 1 x 2 = 8 frames) for the slow checks."""
    return pg.playground(datasets=("xor", "spiral"), hidden=(8,), layers=(1, 2), activations=("relu",),
                         lr=(0.3,), epochs=(0, 40))


def test_make_data_gives_separate_train_and_test_points():
    for name in pg.DATASETS:
        X, y, X_test, y_test = pg.make_data(name)
        assert X.shape[1] == 2 and X.shape == X_test.shape and y.shape == y_test.shape
        assert 140 <= len(y) <= 160, f"{name}: about 150 points, got {len(y)}"
        assert not np.allclose(X, X_test), f"{name}: the test points must differ from the training points"
    with pytest.raises(ValueError, match="dataset must be one of"):
        pg.make_data("moons")


def test_training_fits_the_spiral_and_snapshots_are_one_run():
    X, y, X_test, y_test = pg.make_data("spiral")
    snaps, hist = pg.train_snapshots(X, y, hidden=16, layers=1, activation="relu", lr=0.3, epochs=(0, 30, 300),
                                     X_test=X_test, y_test=y_test)
    assert sorted(snaps) == [0, 30, 300]
    init = nets.init_net([2, 16, 3], seed=0)
    assert all(np.array_equal(snaps[0][k], init[k]) for k in init), "epoch 0 must be the untrained net"
    assert len(hist["loss"]) == 301 and hist["loss"][300] < 0.5 * hist["loss"][0]
    acc = np.mean(nets.predict(snaps[300], X) == y)
    assert acc >= 0.9, f"16 ReLU units should fit the spiral after 300 epochs; train accuracy {acc:.2f}"
    acc_test = np.mean(nets.predict(snaps[300], X_test) == y_test)
    assert acc_test >= 0.85, f"and generalise to the test arms; test accuracy {acc_test:.2f}"
    assert hist["test_epoch"][:3] == [0, 5, 10] and hist["test_epoch"][-1] == 300
    # a snapshot of the long run is the end of a short run with the same settings
    short, _ = pg.train_snapshots(X, y, hidden=16, layers=1, activation="relu", lr=0.3, epochs=(30,))
    assert all(np.array_equal(short[30][k], snaps[30][k]) for k in init)


def test_a_linear_sized_net_cannot_fit_the_spiral_but_a_bigger_one_can():
    X, y, _, _ = pg.make_data("spiral")
    accs = {}
    for h in (2, 16):
        snaps, _ = pg.train_snapshots(X, y, hidden=h, layers=1, activation="tanh", lr=0.3, epochs=(300,))
        accs[h] = np.mean(nets.predict(snaps[300], X, activation="tanh") == y)
    assert accs[2] < 0.8 < 0.9 <= accs[16], f"train accuracy by hidden units: {accs}"


def test_bad_arguments_have_clear_errors():
    X, y, _, _ = pg.make_data("xor")
    with pytest.raises(ValueError, match="lr must be a finite number > 0"):
        pg.train_snapshots(X, y, hidden=4, layers=1, lr=0.0)
    with pytest.raises(ValueError, match="hidden and layers must be >= 1"):
        pg.train_snapshots(X, y, hidden=0, layers=1)
    with pytest.raises(ValueError, match="datasets must be names from"):
        pg.playground(datasets=("moons",))
    with pytest.raises(ValueError, match="activations must be names from"):
        pg.playground(activations=("swish",))
    with pytest.raises(ValueError, match="would pre-render 192 frames"):
        pg.playground(lr=(0.1, 0.3))


def test_default_grid_is_within_the_frame_budget():
    ex = pg.playground()
    sizes = {k: len(c.values) for k, c in ex.controls.items()}
    assert list(sizes) == ["dataset", "hidden", "layers", "activation", "lr", "epochs"]
    assert ex.controls["dataset"].values == ("blobs", "xor", "circles", "spiral")
    assert ex.controls["layers"].values == (1.0, 2.0, 3.0)
    assert int(np.prod(list(sizes.values()))) <= 100


def test_one_training_run_per_setting_epochs_are_snapshots(monkeypatch):
    calls = []
    real = pg.train_snapshots

    def counting(*args, **kw):
        calls.append(kw)
        return real(*args, **kw)

    monkeypatch.setattr(pg, "train_snapshots", counting)
    ex = pg.playground(datasets=("xor",), hidden=(4,), layers=(1,), activations=("relu", "tanh"),
                       epochs=(10, 50))
    ex.render(epochs=10)
    ex.render(epochs=50)
    assert len(calls) == 1, "changing only the epochs must not train again"
    ex.render(activation="tanh", epochs=10)
    assert len(calls) == 2 and calls[1]["activation"] == "tanh"


def test_live_controls_change_picture_and_caption(small):
    w = small.widget
    png0, text0 = w.image.value, w.text.value
    assert png0[:8] == b"\x89PNG\r\n\x1a\n"
    assert "epoch 40" in text0
    w.controls["epochs"].value = 0.0
    png1, text1 = w.image.value, w.text.value
    assert png1 != png0 and text1 != text0 and "epoch 0:" in text1
    w.controls["dataset"].value = "xor"
    png2, text2 = w.image.value, w.text.value
    assert png2 != png1 and text2 != text1
    w.controls["layers"].value = 2.0
    assert w.text.value != text2 and "parameters" in w.text.value
    # the caption's numbers are the net's: 2 -> 8 -> 8 -> 2 has 24 + 72 + 18 parameters
    assert "114 parameters" in w.text.value
    for name, c in small.controls.items():
        w.controls[name].value = c.default


def test_static_html_has_one_slider_per_control_and_every_frame(small):
    page = small.static_html()
    moving = [c for c in small.controls.values() if len(c.values) > 1]
    fixed = [c for c in small.controls.values() if len(c.values) == 1]
    assert len(small.controls) == 6 and page.count('<input type="range"') == len(moving) == 3
    assert all(f"{c.label} = {c.format(c.values[0])}" in page for c in fixed), "fixed controls are shown as text"
    data = json.loads(re.search(r'<script type="application/json" class="lcb-data">(.*?)</script>', page, re.S)[1])
    n = int(np.prod([len(c.values) for c in small.controls.values()]))
    assert n == 8 and len(data["index"]) == len(data["texts"]) == n
    assert len(set(data["index"])) == n, "every setting here draws a different picture"
    k = 0
    for name, c in small.controls.items():
        k = k * len(c.values) + c.values.index(c.default)
    assert data["texts"][k] == small.render()[1]
