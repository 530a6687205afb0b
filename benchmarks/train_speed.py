"""How fast does book.nets train a two-layer net, next to PyTorch and scikit-learn?

    pip install -r requirements.txt -r requirements-bench.txt   # adds torch==2.13.0 (CPU) for this script
    python benchmarks/train_speed.py           # add --quick for a short run

The same net (sizes, He initialisation from book.nets.init_net, float32, batch size, SGD with
momentum, L2 penalty, learning-rate schedule, the same minibatch order) is trained by
  - book.nets.train (NumPy),
  - PyTorch on CPU (nn.Linear layers holding the very same initial weights, torch.optim.SGD),
  - scikit-learn's MLPClassifier (its own initialisation; for reference),
on the digits (64-h-10) and on CIFAR-10 shapes (3072-256-10, batch 200). CIFAR-10 is used when
book.cifar10.cifar10_available() finds a copy (or --cifar-root points to one); otherwise synthetic
data of the same shape with labels from a random linear teacher, and the table says which.

It also times
  - the floor: the bare matrix products one training step needs at the same shapes
    (forward X W1^T and h W2^T; backward dW2 = ds^T h, dh = ds W2, dW1 = da^T X), and prints the
    library's step time as a multiple of it;
  - the lecture's per-example loop (gradient of the softmax loss of a linear classifier, one
    example at a time) against the vectorised batch gradient.
The last line printed is the ratio of seconds per epoch, library / PyTorch, at CIFAR-10 shapes
(epochs of the two alternate; the median of the per-epoch ratios, robust to a machine whose load
changes, with the ratio of the fastest epochs beside it). --threads 1 gives steadier numbers on a
busy machine.
"""
import argparse
import os
import platform
import statistics
import sys
import time
import warnings

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from book import nets  # noqa: E402
from book.linear import linear_loss_and_grads  # noqa: E402


# ---------------------------------------------------------------- data
def digits_data(seed):
    from sklearn.datasets import load_digits
    X, y = load_digits(return_X_y=True)
    order = np.random.default_rng(seed).permutation(len(y))
    X, y = (X[order] / 16.0).astype(np.float32), y[order]
    n_test = len(y) // 5
    return X[n_test:], y[n_test:], X[:n_test], y[:n_test], "digits (sklearn, 8x8)"


def cifar_data(seed, root, n_train, n_test):
    """Real CIFAR-10 when a copy is found, else synthetic data of the same shape."""
    try:
        from book import cifar10
        available = cifar10.cifar10_available(root)
    except (ImportError, AttributeError):
        available = False
    if available:
        d = cifar10.load_cifar10(root)
        X_train = d.X_train.reshape(len(d.X_train), -1).astype(np.float32) / 255
        X_test = d.X_test.reshape(len(d.X_test), -1).astype(np.float32) / 255
        mean = X_train.mean(axis=0)
        X_train -= mean
        X_test -= mean
        rng = np.random.default_rng(seed)
        tr = rng.permutation(len(X_train))[:n_train]
        te = rng.permutation(len(X_test))[:n_test]
        source = os.path.basename(str(getattr(d, "source", "") or "")) or "local copy"
        kind = "JPEG copy" if "jpg" in source.lower() or "jpeg" in source.lower() else "real data"
        return (X_train[tr], d.y_train[tr], X_test[te], d.y_test[te],
                f"CIFAR-10 ({kind}: {source}, {len(tr)} train)")
    rng = np.random.default_rng(seed)
    teacher = rng.standard_normal((10, 3072)).astype(np.float32)
    X = rng.standard_normal((n_train + n_test, 3072), dtype=np.float32)
    y = np.argmax(X @ teacher.T, axis=1)
    return (X[:n_train], y[:n_train], X[n_train:], y[n_train:],
            f"CIFAR-10 shapes (synthetic: no CIFAR-10 copy found, {n_train} train)")


# ---------------------------------------------------------------- trainers
class TorchRun:
    """The same training in PyTorch: same initial weights, batches, update rule and schedule,
    run one epoch at a time so that its epochs can alternate with book.nets.train's."""

    def __init__(self, params, X, y, cfg):
        import torch
        self.torch, self.cfg = torch, cfg
        self.W1, self.W2 = (torch.nn.Linear(params[f"W{k}"].shape[1], params[f"W{k}"].shape[0]) for k in (1, 2))
        with torch.no_grad():
            for layer, k in ((self.W1, 1), (self.W2, 2)):
                layer.weight.copy_(torch.from_numpy(params[f"W{k}"]))
                layer.bias.copy_(torch.from_numpy(params[f"b{k}"]))
        self.model = torch.nn.Sequential(self.W1, torch.nn.ReLU(), self.W2)
        # reg * sum W^2 has gradient 2 reg W: weight_decay = 2 reg on weights, none on biases.
        # torch's momentum buffer v = mu v + g, p -= lr v equals book's v = mu v - lr g, p += v
        # while lr is constant; with lr_decay the two differ slightly after each decay.
        self.opt = torch.optim.SGD([{"params": [self.W1.weight, self.W2.weight], "weight_decay": 2 * cfg["reg"]},
                                    {"params": [self.W1.bias, self.W2.bias], "weight_decay": 0.0}],
                                   lr=cfg["lr"], momentum=cfg["momentum"])
        self.sched = torch.optim.lr_scheduler.ExponentialLR(self.opt, gamma=cfg["lr_decay"])
        self.loss_fn = torch.nn.CrossEntropyLoss()
        self.X, self.y = torch.from_numpy(X), torch.from_numpy(y.astype(np.int64))
        self.rng = np.random.default_rng(cfg["seed"])      # the same minibatch order as book.nets.train
        self.times, self.losses = [], []

    def epoch(self):
        t0 = time.perf_counter()
        order = self.torch.from_numpy(self.rng.permutation(len(self.y)))
        for start in range(0, len(self.y), self.cfg["batch"]):
            idx = order[start:start + self.cfg["batch"]]
            xb, yb = self.X.index_select(0, idx), self.y.index_select(0, idx)
            self.opt.zero_grad(set_to_none=False)
            loss = self.loss_fn(self.model(xb), yb)
            loss.backward()
            self.opt.step()
            self.losses.append(loss.item())
        self.sched.step()
        self.times.append(time.perf_counter() - t0)

    def params(self):
        with self.torch.no_grad():
            return {"W1": self.W1.weight.numpy().copy(), "b1": self.W1.bias.numpy().copy(),
                    "W2": self.W2.weight.numpy().copy(), "b2": self.W2.bias.numpy().copy()}


def train_book_and_torch(params, X, y, cfg):
    """book.nets.train and TorchRun, epochs alternating (so both see the same machine load).

    Returns (book params, book epoch times, book losses, torch params, torch epoch times, torch losses).
    """
    torch_run = TorchRun(params, X, y, cfg)
    times, mark = [], [time.perf_counter()]

    def after_epoch(epoch, p, history):
        times.append(time.perf_counter() - mark[0])
        torch_run.epoch()
        mark[0] = time.perf_counter()

    trained, history = nets.train(X, y, params, lr=cfg["lr"], epochs=cfg["epochs"], batch_size=cfg["batch"],
                                  momentum=cfg["momentum"], lr_decay=cfg["lr_decay"], reg=cfg["reg"],
                                  seed=cfg["seed"], progress=False, eval_train=False, callback=after_epoch)
    return trained, times, history["loss"], torch_run.params(), torch_run.times, torch_run.losses


def train_sklearn(X, y, cfg, hidden):
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier
    # sklearn's penalty is alpha/2 ||W||^2 / batch: alpha = 2 reg batch matches reg * sum W^2 per mean loss
    clf = MLPClassifier(hidden_layer_sizes=(hidden,), activation="relu", solver="sgd", batch_size=cfg["batch"],
                        learning_rate_init=cfg["lr"], momentum=cfg["momentum"], nesterovs_momentum=False,
                        alpha=2 * cfg["reg"] * cfg["batch"], max_iter=cfg["epochs"], shuffle=True,
                        random_state=cfg["seed"], tol=0, n_iter_no_change=10 ** 9)
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y)
    return clf, (time.perf_counter() - t0) / cfg["epochs"]


# ---------------------------------------------------------------- floors and loops
def best_time(f, repeat, number):
    """Smallest mean time of `number` calls, over `repeat` rounds (the least disturbed round)."""
    f()
    best = np.inf
    for _ in range(repeat):
        t0 = time.perf_counter()
        for _ in range(number):
            f()
        best = min(best, (time.perf_counter() - t0) / number)
    return best


def matmul_floor(B, D, H, C, seed=0):
    """A function doing the bare matrix products of one step at batch B and sizes D-H-C, float32."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((B, D), dtype=np.float32)
    W1 = rng.standard_normal((H, D), dtype=np.float32)
    W2 = rng.standard_normal((C, H), dtype=np.float32)
    h = rng.standard_normal((B, H), dtype=np.float32)
    ds = rng.standard_normal((B, C), dtype=np.float32)
    da = rng.standard_normal((B, H), dtype=np.float32)

    def step():
        X @ W1.T          # forward, layer 1
        h @ W2.T          # forward, layer 2
        ds.T @ h          # dW2
        ds @ W2           # dh
        da.T @ X          # dW1 (no dX: X is the input)
    return step


def step_times(params, X, y, cfg, steps=25, rounds=12):
    """Seconds per step of book.nets.train, of the PyTorch loop and of the matmul floor.

    Short epochs of `steps` batches; after each book epoch, the floor (as many steps) and then a
    PyTorch epoch run, so the three see the same machine load. Returns the fastest round of each.
    """
    n = steps * cfg["batch"]
    X, y = X[:n], y[:n]
    D, H, C = params["W1"].shape[1], params["W1"].shape[0], params["W2"].shape[0]
    floor = matmul_floor(cfg["batch"], D, H, C)
    torch_run = TorchRun(params, X, y, cfg)
    book, floors, mark = [], [], [time.perf_counter()]

    def after_epoch(epoch, p, history):
        book.append(time.perf_counter() - mark[0])
        t0 = time.perf_counter()
        for _ in range(steps):
            floor()
        floors.append(time.perf_counter() - t0)
        torch_run.epoch()
        mark[0] = time.perf_counter()

    nets.train(X, y, params, lr=cfg["lr"], epochs=rounds, batch_size=cfg["batch"], momentum=cfg["momentum"],
               lr_decay=cfg["lr_decay"], reg=cfg["reg"], seed=cfg["seed"], progress=False, eval_train=False,
               callback=after_epoch)
    return min(book) / steps, min(torch_run.times) / steps, min(floors) / steps


def per_example_loop(W, b, X, y):
    """The lecture's loop: for each (x_i, y_i), scores, softmax, dL/dW += (p - onehot) x_i^T."""
    dW, db = np.zeros_like(W), np.zeros_like(b)
    L = 0.0
    for x_i, y_i in zip(X, y):
        s = W @ x_i + b
        s -= s.max()
        p = np.exp(s)
        p /= p.sum()
        L -= np.log(p[y_i])
        p[y_i] -= 1
        dW += np.outer(p, x_i)
        db += p
    N = len(y)
    return L / N, dW / N, db / N


def loop_vs_vectorised(X, y, C, seed=0):
    rng = np.random.default_rng(seed)
    W = 1e-3 * rng.standard_normal((C, X.shape[1]))
    b = np.zeros(C)
    X = X.astype(np.float64)
    L1, dW1, db1 = per_example_loop(W, b, X, y)
    L2, dW2, db2 = linear_loss_and_grads(X, y, W, b)
    assert np.isclose(L1, L2) and np.allclose(dW1, dW2) and np.allclose(db1, db2), "loop and batch disagree"
    t_loop = best_time(lambda: per_example_loop(W, b, X, y), repeat=3, number=1)
    t_vec = best_time(lambda: linear_loss_and_grads(X, y, W, b), repeat=5, number=5)
    return t_loop, t_vec


def accuracy(params, X, y):
    return float(np.mean(nets.predict(X, params) == y))


# ---------------------------------------------------------------- main
def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--epochs", type=int, default=3, help="epochs at CIFAR-10 shapes (default 3)")
    ap.add_argument("--digits-epochs", type=int, default=20)
    ap.add_argument("--n-train", type=int, default=50000, help="training examples at CIFAR-10 shapes")
    ap.add_argument("--n-test", type=int, default=10000)
    ap.add_argument("--cifar-root", default=None, help="path to a CIFAR-10 copy (see book.cifar10.load_cifar10)")
    ap.add_argument("--quick", action="store_true", help="2 epochs on 10,000 examples at CIFAR-10 shapes")
    ap.add_argument("--no-sklearn", action="store_true")
    ap.add_argument("--threads", type=int, default=None,
                    help="BLAS / PyTorch threads for every trainer (default: the libraries' own, all cores)")
    args = ap.parse_args(argv)
    if args.quick:
        args.epochs, args.n_train, args.n_test, args.digits_epochs = 2, 10000, 2000, 10

    import torch
    import threadpoolctl
    if args.threads:
        threadpoolctl.threadpool_limits(limits=args.threads)
        torch.set_num_threads(args.threads)
    blas = [f"{i['internal_api']} {i.get('version')} ({i.get('architecture')}, {i['num_threads']} threads)"
            for i in threadpoolctl.threadpool_info() if i["user_api"] == "blas"]
    print(f"# {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs; NumPy {np.__version__} "
          f"[{'; '.join(blas)}]; PyTorch {torch.__version__} ({torch.get_num_threads()} threads); "
          f"OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', 'unset')}")

    runs = [
        ("digits", digits_data(0), 64,
         dict(lr=0.1, momentum=0.9, reg=1e-4, lr_decay=0.95, batch=200, epochs=args.digits_epochs, seed=0)),
        ("cifar", cifar_data(0, args.cifar_root, args.n_train, args.n_test), 256,
         dict(lr=0.01, momentum=0.9, reg=5e-4, lr_decay=0.95, batch=200, epochs=args.epochs, seed=0)),
    ]
    rows, results = [], {}
    for key, (X, y, X_test, y_test, label), hidden, cfg in runs:
        sizes = [X.shape[1], hidden, 10]
        params = nets.init_net(sizes, seed=0, dtype=np.float32)
        p_book, times_book, loss_book, p_torch, times_torch, loss_torch = train_book_and_torch(params, X, y, cfg)
        t_book, t_torch = min(times_book), min(times_torch)      # the least disturbed epoch of each
        rows.append((label, "book.nets (NumPy)", t_book, accuracy(p_book, X_test, y_test)))
        rows.append((label, f"PyTorch {torch.__version__.split('+')[0]} CPU", t_torch, accuracy(p_torch, X_test, y_test)))
        if not args.no_sklearn:
            clf, t_sk = train_sklearn(X, y, cfg, hidden)
            rows.append((label, "scikit-learn MLPClassifier", t_sk, float(np.mean(clf.predict(X_test) == y_test))))
        # book's loss includes reg * sum W^2; torch's CrossEntropyLoss is the data loss alone
        reg_term = cfg["reg"] * sum(float(np.sum(params[k].astype(np.float64) ** 2)) for k in ("W1", "W2"))
        results[key] = dict(sizes=sizes, cfg=cfg, t_book=t_book, t_torch=t_torch, X=X, y=y, params=params,
                            times_book=times_book, times_torch=times_torch,
                            first_losses=(loss_book[0] - reg_term, loss_torch[0]))

    print()
    width = max(len(r[0]) for r in rows)
    print(f"{'data':<{width}}  {'trainer':<28} {'s/epoch':>9} {'test acc':>9}")
    for label, name, t, acc in rows:
        print(f"{label:<{width}}  {name:<28} {t:>9.3f} {acc:>9.3f}")
    cfg = results["cifar"]["cfg"]
    print(f"(sizes {results['cifar']['sizes']} and {results['digits']['sizes']}, float32, batch {cfg['batch']}, "
          f"SGD momentum {cfg['momentum']}, reg {cfg['reg']}, lr {cfg['lr']} (digits "
          f"{results['digits']['cfg']['lr']}) x {cfg['lr_decay']} per epoch; s/epoch: fastest epoch, "
          f"training only, book and PyTorch epochs alternating; first-step data loss book/torch at CIFAR shapes: "
          f"{results['cifar']['first_losses'][0]:.5f}/{results['cifar']['first_losses'][1]:.5f})")
    r = results["cifar"]
    print("epoch times at CIFAR-10 shapes, s: book.nets " + " ".join(f"{t:.2f}" for t in r["times_book"])
          + "; PyTorch " + " ".join(f"{t:.2f}" for t in r["times_torch"]))

    print()
    for key in ("digits", "cifar"):
        r = results[key]
        D, H, C = r["sizes"]
        B = r["cfg"]["batch"]
        t_step, t_torch, floor = step_times(r["params"], r["X"], r["y"], r["cfg"], steps=min(25, len(r["y"]) // B))
        r["floor_multiple"] = t_step / floor
        print(f"{key:>6} {D}-{H}-{C}, batch {B}: matmul floor {floor * 1e3:7.3f} ms/step; "
              f"book.nets step {t_step * 1e3:7.3f} ms = {t_step / floor:5.2f} x floor; "
              f"PyTorch step {t_torch * 1e3:7.3f} ms = {t_torch / floor:5.2f} x floor")

    print()
    for key, D in (("digits", 64), ("cifar", 3072)):
        X, y = results[key]["X"][:200], results[key]["y"][:200]
        t_loop, t_vec = loop_vs_vectorised(X, y, 10)
        print(f"softmax-loss gradient of a linear classifier, {len(y)} examples x {D} features: "
              f"per-example loop {t_loop * 1e3:8.2f} ms, vectorised {t_vec * 1e3:6.3f} ms, "
              f"speed-up {t_loop / t_vec:6.1f}x")

    print()
    r = results["cifar"]
    paired = statistics.median(b / t for b, t in zip(r["times_book"], r["times_torch"]))
    print(f"ratio library/PyTorch (s/epoch, {'x'.join(map(str, r['sizes']))}, batch {r['cfg']['batch']}; "
          f"median over epochs of book epoch / the PyTorch epoch right after it; fastest epochs give "
          f"{r['t_book'] / r['t_torch']:.2f}): {paired:.2f}")


if __name__ == "__main__":
    main()
