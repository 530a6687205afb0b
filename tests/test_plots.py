"""Plots: labelled axes, one image per class, one bar per class, correct counts."""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from book import plots  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_decision_regions_draws_regions_and_points():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((30, 2))
    y = (X[:, 0] > 0).astype(int)
    calls = []

    def predict_fn(P):
        calls.append(P.shape)
        return (P[:, 0] > 0).astype(int)

    ax = plots.decision_regions(predict_fn, X, y, resolution=50, class_names=["left", "right"])
    assert calls == [(2500, 2)]
    assert ax.get_xlabel() and ax.get_ylabel()
    assert len(ax.collections) == 2                      # one scatter per class
    (regions,) = ax.images                               # the regions: one opaque image
    img = regions.get_array()
    assert img.shape == (50, 50, 3)
    # left half tinted with class 0's colour, right half with class 1's: two colours, split at x1 = 0
    assert len(np.unique(img.reshape(-1, 3), axis=0)) == 2
    xs = np.linspace(X[:, 0].min() - 0.5, X[:, 0].max() + 0.5, 50)
    np.testing.assert_array_equal(np.all(img[0] == img[0, 0], axis=1), xs <= 0)
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["left", "right"]
    lo = X.min(axis=0) - 0.5
    assert ax.get_xlim()[0] == pytest.approx(lo[0])
    ax2 = plots.decision_regions(predict_fn, X, y, resolution=20, legend=False)
    assert ax2.get_legend() is None


def test_book_style_draws_at_the_column_width_with_readable_text():
    import matplotlib as mpl

    with mpl.rc_context():
        assert plots.use_book_style().is_file()
        fig = plt.figure()
        w, h = fig.get_size_inches()
        assert w == plots.FIG_WIDTH and fig.dpi == 100 and mpl.rcParams["savefig.dpi"] == 100
        sizes = [mpl.rcParams[k] for k in ("font.size", "xtick.labelsize", "ytick.labelsize",
                                           "legend.fontsize", "axes.labelsize", "axes.titlesize")]
        pt = [mpl.font_manager.FontProperties(size=s).get_size_in_points() for s in sizes]
        assert min(pt) * 100 / 72 >= 12.5           # >= 10 px on screen when shown at 80 %
        plt.close(fig)


def test_decision_regions_rejects_bad_predict_fn():
    X = np.zeros((4, 2)) + np.arange(4)[:, None]
    with pytest.raises(ValueError, match=r"predict_fn must map points \(M, 2\) to labels \(M,\)"):
        plots.decision_regions(lambda P: np.zeros((len(P), 3)), X, np.zeros(4, int), resolution=10)
    with pytest.raises(ValueError, match=r"X must have shape \(N, 2\)"):
        plots.decision_regions(lambda P: P[:, 0], np.zeros((4, 3)), np.zeros(4, int))


def test_rescale_rows_maps_each_row_to_unit_range():
    W = np.array([[1.0, 3.0, 2.0], [-10.0, 0.0, 10.0], [5.0, 5.0, 5.0]])
    T = plots.rescale_rows(W)
    assert np.allclose(T[0], [0, 1, 0.5]) and np.allclose(T[1], [0, 0.5, 1])
    assert np.array_equal(T[2], [0, 0, 0]), "a constant row maps to zeros"


@pytest.mark.parametrize("shape", [(8, 8), (4, 4, 3)])
def test_template_grid_one_titled_image_per_class(shape):
    W = np.random.default_rng(1).standard_normal((7, int(np.prod(shape))))
    names = [f"class {c}" for c in range(7)]
    fig = plots.template_grid(W, shape, class_names=names, ncols=3)
    axes = fig.get_axes()
    assert len(axes) == 7                                # 3x3 grid, spare cells removed
    assert [ax.get_title() for ax in axes] == names
    for c, ax in enumerate(axes):
        img = ax.get_images()[0].get_array()
        assert img.shape == shape
        assert img.min() == pytest.approx(0) and img.max() == pytest.approx(1)   # rescaled per template
    # the displayed image is the template itself, rescaled
    t0 = (W[0] - W[0].min()) / (W[0].max() - W[0].min())
    assert np.allclose(axes[0].get_images()[0].get_array(), t0.reshape(shape))


def test_template_grid_shape_error():
    with pytest.raises(ValueError, match=r"image_shape \(8, 8\) must hold D=10 pixels"):
        plots.template_grid(np.zeros((2, 10)), (8, 8))


def test_loss_and_accuracy_curves():
    history = {"loss": list(np.linspace(2, 0.5, 40)), "train_acc": [0.5, 0.7, 0.8], "val_acc": [0.4, 0.6, 0.7]}
    ax = plots.loss_curve(history, smooth=5)
    assert ax.get_xlabel() == "step" and ax.get_ylabel() == "loss"
    raw, smooth = ax.get_lines()
    assert len(raw.get_ydata()) == 40 and len(smooth.get_ydata()) == 36
    assert np.allclose(smooth.get_ydata()[0], np.mean(history["loss"][:5]))
    ax = plots.accuracy_curves(history)
    assert ax.get_xlabel() == "epoch" and ax.get_ylabel() == "accuracy"
    assert [line.get_ydata().tolist() for line in ax.get_lines()] == [history["train_acc"], history["val_acc"]]
    ax = plots.accuracy_curves({"train_acc": [0.1, 0.2], "val_acc": []})
    assert len(ax.get_lines()) == 1
