"""book.experiments: the CIFAR-10 script on a tiny synthetic image folder, its helpers, and the
committed results in book/assets/cifar10 (self-consistent, small, meeting the stated targets)."""
import json
import os
from pathlib import Path

import numpy as np
import pytest

from book import experiments as ex
from book._files import digest
from book.cifar10 import CIFAR10_CLASSES, cifar10_available, load_cifar10
from tiny_cifar10 import write_tiny_copy

TINY = dict(linear=dict(epochs=3, batch_size=8, lr=0.001),
            two_layer=dict(hidden=6, epochs=1, batch_size=8, lr=0.001))


@pytest.fixture
def tiny_images(tmp_path, monkeypatch):
    """The tiny image-folder copy (tiny_cifar10.py) in tmp_path/tiny-jpg, with an empty data folder."""
    monkeypatch.setenv("LCB_DATA_DIR", str(tmp_path / "cache"))
    return write_tiny_copy(tmp_path / "tiny-jpg")


def _check_outputs(out, results, C, hidden):
    files = sorted(p.name for p in out.iterdir())
    assert files == ["linear_W.npy", "linear_b.npy", "results.json", "two_layer_W1_sample.npy"]
    assert sum((out / f).stat().st_size for f in files) < 2_000_000
    loaded = ex.load_cifar10_results(out)
    assert loaded["linear_W"].shape == (C, 3072) and loaded["linear_W"].dtype == np.float32
    assert loaded["linear_b"].shape == (C,)
    assert loaded["two_layer_W1_sample"].shape == (min(hidden, ex.N_W1_SAMPLE), 3072)
    assert loaded["two_layer_W1_sample"].dtype == np.float16
    prov = results["provenance"]
    for key in ["dataset", "data_file", "data_sha256", "seed", "date", "library_version", "command",
                "elapsed_seconds", "figures", "preprocessing", "n_train", "n_val", "n_test"]:
        assert key in prov, key
    assert len(prov["data_sha256"]) == 64 and "/" not in prov["data_file"]
    assert len(prov["preprocessing"]["channel_mean"]) == 3
    for model in ("linear", "two_layer"):
        r = results[model]
        assert set(r["per_class_accuracy"]) == set(results["class_names"])
        M = np.array(r["confusion_matrix"])
        assert M.shape == (C, C) and M.sum() == prov["n_test"]
        assert r["test_accuracy"] == pytest.approx(np.trace(M) / M.sum(), abs=1e-5)
        assert prov["figures"][f"{model}_test_accuracy"] == r["test_accuracy"]
        assert r["train_seconds"] >= 0 and len(r["history"]["train_acc"]) == r["hyperparameters"]["epochs"]
    assert results["two_layer"]["hidden"] == hidden
    rows = results["two_layer"]["W1_sample_rows"]
    assert len(rows) == len(set(rows)) == min(hidden, ex.N_W1_SAMPLE) and max(rows) < hidden
    # the file on disk is exactly what was returned (JSON round trip)
    assert json.loads((out / "results.json").read_text()) == json.loads(json.dumps(results))
    return loaded


def test_cli_on_tiny_image_folder(tiny_images, tmp_path):
    out = tmp_path / "out"
    argv = ["cifar10", "--data", str(tiny_images), "--out", str(out), "--n-val", "4", "--no-progress",
            "--linear", "epochs=3", "batch_size=8", "lr=0.001",
            "--two-layer", "hidden=6", "epochs=1", "batch_size=8", "lr=0.001"]
    assert ex.main(argv) == 0
    results = json.loads((out / "results.json").read_text())
    loaded = _check_outputs(out, results, C=4, hidden=6)
    prov = results["provenance"]
    assert prov["dataset"] == "CIFAR-10 (JPEG copy)" and prov["data_file"] == "tiny-jpg"
    assert (prov["n_train"], prov["n_val"], prov["n_test"]) == (36, 4, 20)
    assert prov["command"].startswith("python -m book.experiments cifar10 --data tiny-jpg")
    assert results["linear"]["hyperparameters"]["epochs"] == 3
    assert results["two_layer"]["hyperparameters"]["hidden"] == 6
    # the saved linear weights act on raw pixels / 255 and reproduce the reported test accuracy
    data = load_cifar10(tiny_images)
    X_raw = data.X_test.reshape(len(data.y_test), -1) / 255.0
    s = X_raw @ loaded["linear_W"].T.astype(np.float64) + loaded["linear_b"]
    assert np.mean(s.argmax(axis=1) == data.y_test) == pytest.approx(results["linear"]["test_accuracy"])
    assert results["linear"]["test_accuracy"] > 0.5          # colours differ by class: learnable


def test_run_is_deterministic_apart_from_time(tiny_images, tmp_path):
    a = ex.run_cifar10(tiny_images, tmp_path / "a", n_val=4, progress=False, log=lambda *_: None, **TINY)
    b = ex.run_cifar10(tiny_images, tmp_path / "b", n_val=4, progress=False, log=lambda *_: None, **TINY)
    for r in (a, b):
        for key in ("date", "elapsed_seconds"):
            r["provenance"].pop(key)
        for model in ("linear", "two_layer"):
            r[model].pop("train_seconds")
            r[model].pop("train_cpu_seconds")
    assert a == b
    np.testing.assert_array_equal(np.load(tmp_path / "a" / "linear_W.npy"),
                                  np.load(tmp_path / "b" / "linear_W.npy"))
    with pytest.raises(ValueError, match="unknown hyper-parameters \\['hiden'\\]"):
        ex.run_cifar10(tiny_images, tmp_path / "c", two_layer=dict(hiden=3))


def test_load_results_missing_says_how_to_make_them(tmp_path):
    with pytest.raises(FileNotFoundError, match="python -m book.experiments cifar10 --data"):
        ex.load_cifar10_results(tmp_path)


# --------------------------------------------------------------------------- helpers
def test_fold_standardization_gives_the_same_scores():
    rng = np.random.default_rng(1)
    X = rng.integers(0, 256, size=(7, 4, 4, 3)).astype(np.uint8)
    mean, std = ex.standardize_stats(X)
    np.testing.assert_allclose(mean, (X / 255.0).reshape(-1, 3).mean(axis=0))
    np.testing.assert_allclose(std, (X / 255.0).reshape(-1, 3).std(axis=0))
    F = ex.features(X, mean, std)
    assert F.dtype == np.float32 and F.shape == (7, 48)
    np.testing.assert_allclose(F.reshape(-1, 3).mean(axis=0), 0, atol=1e-5)
    W, b = rng.normal(size=(5, 48)), rng.normal(size=5)
    W_raw, b_raw = ex.fold_standardization(W, b, mean, std)
    np.testing.assert_allclose(X.reshape(7, -1) / 255.0 @ W_raw.T + b_raw, F @ W.T + b, rtol=1e-5, atol=1e-5)


def test_smoothest_rows_prefers_image_like_rows():
    rng = np.random.default_rng(0)
    noise = rng.normal(size=(6, 8, 8, 3))
    yy, xx = np.mgrid[0:8, 0:8]
    smooth = np.stack([np.sin(xx / 3.0 + k) for k in range(3)], axis=-1)     # (8, 8, 3)
    W = noise.copy()
    W[4] = smooth + 0.05 * noise[4]
    W[1] = smooth + 0.5 * noise[1]
    np.testing.assert_array_equal(ex.smoothest_rows(W.reshape(6, -1), 2, (8, 8, 3)), [4, 1])


def test_validation_split_is_stratified_and_disjoint():
    y = np.repeat(np.arange(5), 30)
    tr, va = ex.validation_split(y, 50, seed=2)
    assert len(va) == 50 and len(tr) == 100 and not set(tr) & set(va)
    np.testing.assert_array_equal(np.bincount(y[va]), [10] * 5)
    np.testing.assert_array_equal(ex.validation_split(y, 50, seed=2)[1], va)
    assert not np.array_equal(ex.validation_split(y, 50, seed=3)[1], va)
    with pytest.raises(ValueError, match="only 30 training images"):
        ex.validation_split(y, 200)


def test_hflip_mirrors_only_the_chosen_rows():
    X = np.arange(2 * 4 * 4 * 3, dtype=np.float32).reshape(2, -1)
    out = ex.hflip(X, np.array([True, False]), image_shape=(4, 4, 3))
    np.testing.assert_array_equal(out[0].reshape(4, 4, 3), X[0].reshape(4, 4, 3)[:, ::-1])
    np.testing.assert_array_equal(out[1], X[1])
    assert not np.array_equal(out[0], X[0])


def test_metrics_and_downsample():
    y_true = np.array([0, 0, 1, 1, 2, 2])
    y_pred = np.array([0, 1, 1, 1, 0, 2])
    np.testing.assert_allclose(ex.per_class_accuracy(y_true, y_pred, 3), [0.5, 1.0, 0.5])
    np.testing.assert_array_equal(ex.confusion(y_true, y_pred, 3), [[1, 1, 0], [0, 2, 0], [1, 0, 1]])
    steps, means = ex.downsample(np.arange(10.0), max_points=4)
    assert steps == [2, 5, 8, 9] and means == [1.0, 4.0, 7.0, 9.0]
    steps, means = ex.downsample(np.arange(5.0), max_points=10)
    assert steps == [0, 1, 2, 3, 4] and means == [0.0, 1.0, 2.0, 3.0, 4.0]


# --------------------------------------------------------------------------- the committed results
TARGETS = {"linear": 0.39, "two_layer": 0.50}


def test_committed_results_are_consistent_and_meet_targets():
    r = ex.load_cifar10_results()
    assert tuple(r["class_names"]) == CIFAR10_CLASSES
    assert r["linear_W"].shape == (10, 3072) and r["linear_W"].dtype == np.float32
    assert r["two_layer_W1_sample"].shape[1] == 3072 and r["two_layer_W1_sample"].shape[0] <= 64
    size = sum(f.stat().st_size for f in ex.RESULTS_DIR.iterdir() if f.is_file())
    assert size < 2_000_000
    prov = r["provenance"]
    assert prov["n_test"] == 10_000 and prov["n_train"] + prov["n_val"] == 50_000
    assert prov["dataset"].startswith("CIFAR-10") and len(prov["data_sha256"]) == 64
    for model, target in TARGETS.items():
        m = r[model]
        acc = np.array([m["per_class_accuracy"][c] for c in CIFAR10_CLASSES])
        # balanced test classes (1,000 each): the overall accuracy is the mean of the per-class ones
        assert m["test_accuracy"] == pytest.approx(acc.mean(), abs=1e-4)
        M = np.array(m["confusion_matrix"])
        np.testing.assert_array_equal(M.sum(axis=1), 1000)
        np.testing.assert_allclose(np.diag(M) / 1000, acc, atol=1e-5)
        assert m["test_accuracy"] >= target, f"{model}: {m['test_accuracy']} < {target}"
        assert prov["figures"][f"{model}_test_accuracy"] == m["test_accuracy"]
        assert m["train_seconds"] < 600
        h = m["history"]
        assert len(h["train_acc"]) == len(h["val_acc"]) == m["hyperparameters"]["epochs"]
        assert len(h["loss"]) <= 200 and h["loss"][-1] < h["loss"][0]


def test_committed_results_used_the_defaults_best_on_validation():
    """The committed run used the current defaults, and those won the validation grid."""
    r = ex.load_cifar10_results()
    tuning = json.loads((ex.RESULTS_DIR / "tuning.json").read_text())
    for model, defaults in (("linear", ex.LINEAR_DEFAULTS), ("two_layer", ex.TWO_LAYER_DEFAULTS)):
        assert r[model]["hyperparameters"] == defaults
        rows = tuning[model]
        assert len(rows) >= 2
        assert all(set(defaults) <= set(row) for row in rows)
        chosen = [row for row in rows if all(row[k] == defaults[k] for k in defaults)]
        assert len(chosen) == 1, f"{model}: the defaults are not one row of the grid"
        assert chosen[0]["val_acc"] == max(row["val_acc"] for row in rows)


@pytest.mark.skipif(not cifar10_available(os.environ.get("LCB_CIFAR10")) if os.environ.get("LCB_CIFAR10")
                    else True, reason="set LCB_CIFAR10 to the CIFAR-10 copy the results came from")
def test_committed_linear_weights_reproduce_the_test_accuracy():
    """Optional (needs the data): the saved W, b score the test images as reported."""
    r = ex.load_cifar10_results()
    path = Path(os.environ["LCB_CIFAR10"])
    assert digest(path) == r["provenance"]["data_sha256"]
    data = load_cifar10(path)
    s = (data.X_test.reshape(10_000, -1) / np.float32(255)) @ r["linear_W"].T + r["linear_b"]
    assert np.mean(s.argmax(axis=1) == data.y_test) == pytest.approx(r["linear"]["test_accuracy"], abs=5e-4)


# --------------------------------------------------------------------------- provenance of every asset
ASSETS = Path(ex.__file__).resolve().parent / "assets"
RECORD_KEYS = ("dataset", "data_file", "data_sha256", "seed", "date", "command", "script", "files")


def _records():
    """Every provenance record under book/assets: a JSON file with a top-level "provenance"."""
    found = {}
    for f in sorted(ASSETS.rglob("*.json")):
        doc = json.loads(f.read_text())
        if isinstance(doc, dict) and isinstance(doc.get("provenance"), dict):
            found[f] = doc["provenance"]
    return found


def test_every_committed_asset_has_a_provenance_record_whose_sha256_match():
    records = _records()
    assert records, "no provenance record under book/assets"
    covered = set(records)
    for record_file, prov in records.items():
        missing = [k for k in RECORD_KEYS if k not in prov]
        assert not missing, f"{record_file.relative_to(ASSETS)}: provenance lacks {missing}"
        assert len(prov["data_sha256"]) == 64 and "/" not in prov["data_file"]
        assert prov["command"].startswith(("python -m book.experiments ", "python -m book.cifar10 ")), \
            prov["command"]
        for name, sha in prov["files"].items():
            f = record_file.parent / name
            assert f.is_file(), f"{record_file.relative_to(ASSETS)} lists {name}, which is missing"
            assert digest(f) == sha, (f"{f.relative_to(ASSETS)} changed since its record "
                                          f"{record_file.relative_to(ASSETS)} was written: rerun its command")
            covered.add(f)
    assets = {f for f in ASSETS.rglob("*") if f.is_file()}
    orphans = sorted(str(f.relative_to(ASSETS)) for f in assets - covered)
    assert not orphans, f"assets with no provenance record: {orphans}"


def test_the_provenance_check_can_fail(tmp_path):
    """The check above catches a changed file and a file no record lists."""
    import shutil
    copy = tmp_path / "assets"
    shutil.copytree(ASSETS, copy)
    globals()["ASSETS"] = copy
    try:
        test_every_committed_asset_has_a_provenance_record_whose_sha256_match()
        (copy / "cifar10" / "stray.npy").write_bytes(b"x")
        with pytest.raises(AssertionError, match="stray.npy"):
            test_every_committed_asset_has_a_provenance_record_whose_sha256_match()
        (copy / "cifar10" / "stray.npy").unlink()
        png = next((copy / "cifar10" / "sample").glob("*.png"))
        png.write_bytes(png.read_bytes() + b"\0")
        with pytest.raises(AssertionError, match="changed since its record"):
            test_every_committed_asset_has_a_provenance_record_whose_sha256_match()
    finally:
        globals()["ASSETS"] = Path(ex.__file__).resolve().parent / "assets"


# --------------------------------------------------------------------------- the lecture's baseline
def test_baseline_on_tiny_image_folder(tiny_images, tmp_path):
    out = tmp_path / "baseline.json"
    argv = ["cifar10-baseline", "--data", str(tiny_images), "--out", str(out), "--n-val", "4",
            "--lr", "0.001", "0.1", "--set", "hidden=6", "epochs=2", "batch_size=8"]
    assert ex.main(argv) == 0
    rec = json.loads(out.read_text())
    b, prov = rec["baseline"], rec["provenance"]
    assert [row["lr"] for row in b["lr_grid"]] == [0.001, 0.1]
    best = max(b["lr_grid"], key=lambda row: row["val_acc"])
    assert b["hyperparameters"]["lr"] == best["lr"] and b["val_accuracy"] == best["val_acc"]
    assert b["hyperparameters"]["momentum"] == 0.0 and b["hyperparameters"]["flip"] is False
    assert b["hidden"] == 6 and prov["n_test"] == 20 and prov["data_file"] == "tiny-jpg"
    M = np.array(b["confusion_matrix"])
    assert M.shape == (4, 4) and M.sum() == 20
    assert b["test_accuracy"] == pytest.approx(np.trace(M) / 20)
    assert "no mean subtracted" in prov["preprocessing"]
    with pytest.raises(ValueError, match="unknown hyper-parameters \\['hiden'\\]"):
        ex.run_baseline(tiny_images, tmp_path / "x.json", hiden=3)


def test_committed_baseline_is_the_plain_lecture_net():
    r = ex.load_cifar10_results()
    b = r["baseline"]
    hp = b["hyperparameters"]
    assert hp["momentum"] == 0.0 and hp["lr_decay"] == 1.0 and hp["flip"] is False
    assert {k: hp[k] for k in ex.BASELINE_DEFAULTS} == ex.BASELINE_DEFAULTS
    assert hp["lr"] == max(b["lr_grid"], key=lambda row: row["val_acc"])["lr"]
    assert b["provenance"]["data_sha256"] == r["provenance"]["data_sha256"]
    acc = np.array([b["per_class_accuracy"][c] for c in CIFAR10_CLASSES])
    assert b["test_accuracy"] == pytest.approx(acc.mean(), abs=1e-4)
    M = np.array(b["confusion_matrix"])
    np.testing.assert_array_equal(M.sum(axis=1), 1000)
    np.testing.assert_allclose(np.diag(M) / 1000, acc, atol=1e-5)
    # plain training on raw pixels lands well below the tuned net, above chance
    assert 0.2 < b["test_accuracy"] < r["two_layer"]["test_accuracy"]


def test_ladder_on_tiny_image_folder(tiny_images, tmp_path):
    out = tmp_path / "ladder.json"
    tuned = {"two_layer": {"hyperparameters": dict(ex.TWO_LAYER_DEFAULTS, epochs=1), "val_accuracy": 0.5,
                           "history": {"train_acc": [0.75]}}}
    rec = ex.run_ladder(tiny_images, out, n_val=4, epochs=1, batch_size=8, results=tuned,
                        command="python -m book.experiments cifar10-ladder --data tiny-jpg",
                        log=lambda *_: None)
    assert json.loads(out.read_text()) == json.loads(json.dumps(rec))
    steps = rec["steps"]
    assert [s["step"] for s in steps] == [name for name, _ in ex.LADDER]
    # each step keeps the refinements before it and adds its own
    for (_, change), step in zip(ex.LADDER, steps):
        assert all(step["config"][k] == v for k, v in change.items())
        assert 0 <= step["val_accuracy"] <= 1
    assert all(s["source"] == "trained by run_ladder" for s in steps[:-1])
    # the last step is the tuned net: taken from its run, not trained again
    last = {k: v for k, v in steps[-1]["config"].items() if k != "standardize"}
    assert {k: ex.TWO_LAYER_DEFAULTS[k] for k in last} == last
    assert steps[-1]["val_accuracy"] == 0.5 and steps[-1]["train_accuracy"] == 0.75
    assert "test" not in json.dumps(rec["steps"]).replace("tested", "")
    tuned["two_layer"]["hyperparameters"]["hidden"] = 7                # not the tuned settings
    with pytest.raises(ValueError, match="not the tuned run's settings"):
        ex.run_ladder(tiny_images, out, n_val=4, epochs=1, batch_size=8, results=tuned, log=lambda *_: None)


def test_train_two_layer_is_one_run_of_nets_train():
    """One call of nets.train for all epochs (the momentum and the lr schedule run through), with
    the flips as its augment hook."""
    from book import nets

    rng = np.random.default_rng(0)
    X = rng.standard_normal((60, 12)).astype(np.float32)
    y = np.arange(60) % 3
    hp = dict(lr=0.1, momentum=0.9, reg=1e-3, epochs=3, batch_size=20, lr_decay=0.5)
    params, hist, _ = ex.train_two_layer(X, y, X[:10], y[:10], hidden=5, flip=False, **hp)
    ref, ref_hist = nets.train(X, y, nets.init_net([12, 5, 3], seed=0, dtype=np.float32), X[:10], y[:10], **hp)
    assert hist == ref_hist and all(np.array_equal(params[k], ref[k]) for k in ref)
    flipped, _, _ = ex.train_two_layer(X, y, X[:10], y[:10], hidden=5, flip=True, image_shape=(2, 2, 3), **hp)
    assert not np.array_equal(flipped["W1"], params["W1"])
