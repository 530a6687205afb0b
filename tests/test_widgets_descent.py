"""The gradient-descent explorer, the backprop stepper, and the two-parameter problem behind them."""
import numpy as np
import pytest

from book.gradcheck import numerical_gradient, rel_error
from book.graph import topo_order
from book.widgets.descent import (GRAPHS, REG, START, WINDOW, backprop_stepper, descend, descent_explorer, graph_nodes,
                                  slice_loss, slice_loss_and_grad, slice_problem, stepper_graph)


@pytest.fixture(scope="module")
def problem():
    return slice_problem(seed=0)


def test_slice_problem_is_seeded_and_balanced(problem):
    X, y = problem
    assert X.shape == (40, 2) and y.shape == (40,)
    assert np.bincount(y).tolist() == [20, 20]
    X2, _ = slice_problem(seed=0)
    assert np.array_equal(X, X2)
    assert not np.array_equal(X, slice_problem(seed=1)[0])


def test_slice_loss_matches_the_library_and_its_gradient_is_right(problem):
    X, y = problem
    rng = np.random.default_rng(0)
    for w in rng.normal(0, 2, size=(4, 2)):
        L, dw = slice_loss_and_grad(w, X, y)
        assert slice_loss(w, X, y) == pytest.approx(L, rel=1e-12)
        num = numerical_gradient(lambda v: slice_loss(v, X, y), w.copy())
        assert rel_error(dw, num) < 1e-7
    grid = rng.normal(size=(3, 5, 2))
    assert slice_loss(grid, X, y).shape == (3, 5)
    with pytest.raises(ValueError, match=r"w must have shape \(\.\.\., 2\)"):
        slice_loss(np.zeros(3), X, y)


def test_descend_goes_downhill_or_diverges_with_the_learning_rate(problem):
    X, y = problem
    path, losses = descend(X, y, lr=1.0, steps=30)
    assert path.shape == (31, 2) and losses.shape == (31,)
    assert np.array_equal(path[0], START)
    assert np.all(np.diff(losses) <= 1e-12)                # a good step size: the loss never rises
    assert np.linalg.norm(slice_loss_and_grad(path[-1], X, y)[1]) < 1e-3
    _, small = descend(X, y, lr=0.01, steps=30)
    assert small[-1] > 0.8 * small[0]                       # too small: barely moves
    _, big = descend(X, y, lr=30.0, steps=30)
    assert big[-1] > 1e6 * big[0]                           # too large: diverges
    _, huge = descend(X, y, lr=1e6, steps=200)              # overflow stops the path early
    assert len(huge) < 201 and np.all(np.isfinite(huge))
    with pytest.raises(ValueError, match="lr must be positive"):
        descend(X, y, lr=0.0, steps=3)
    assert REG > 0


def test_descent_explorer_state_is_the_problem_and_the_controls(problem):
    X, y = problem
    ex = descent_explorer(lr=1.0, steps=10, momentum=0.5)
    assert np.allclose(ex.X, X) and ex.y == y.tolist() and ex.reg == REG
    assert ex.start == list(START) and ex.window == [list(r) for r in WINDOW]
    assert (ex.lr, ex.steps, ex.momentum) == (1.0, 10, 0.5)
    assert descent_explorer(lr=0.5).lr == pytest.approx(0.5, rel=0.01)    # on the slider's log grid
    for kwargs, match in [({"lr": 0.001}, "lr must lie"), ({"steps": 2.5}, "steps must be an integer"),
                          ({"momentum": 1.0}, "momentum must lie")]:
        with pytest.raises(ValueError, match=match):
            descent_explorer(**kwargs)


def test_stepper_graphs_have_upstream_gradients_other_than_one():
    for name in GRAPHS:
        f = stepper_graph(name)
        order = topo_order(f)
        # some node passes on a gradient that is neither 0 nor 1
        assert any(n.grad not in (0.0, 1.0) for n in order if n is not f and n._prev), name
        nodes = graph_nodes(f)
        assert len(nodes) == len(order) and nodes[-1]["name"] == "f"
        for k, node in enumerate(nodes):
            assert all(i < k for i in node["inputs"]), "topological order"
            assert node["value"] == order[k].data
            assert node["text"] == {"*": "×", "-": "−"}.get(node["op"], node["op"])   # as book.graph draws it
    with pytest.raises(ValueError, match="name must be one of"):
        stepper_graph("nope")


def test_graph_nodes_names_an_operation_the_page_cannot_draw():
    from book.graph import Value

    f = Value(2.0, label="x").log()
    with pytest.raises(ValueError, match="uses 'log'"):
        graph_nodes(f)


def test_backprop_stepper_offers_every_graph_starting_with_the_one_asked():
    ex = backprop_stepper("(x + y) z")
    assert ex.graphs[0]["title"] == GRAPHS["(x + y) z"] and len(ex.graphs) == len(GRAPHS)
    assert ex.step == 0 and ex.graph == 0
    with pytest.raises(ValueError, match="graph must be one of"):
        backprop_stepper("nope")
