"""Common mistakes listed in exercise 3; the test suite proves its tests catch each one."""

MISTAKES = [
    dict(name="No max subtraction", answer="softmax",
         replace=("z = s - np.max(s, axis=-1, keepdims=True)", "z = s"),
         fails={"test_softmax", "test_loss", "test_grad"}),
    dict(name="log10 for log", answer="cross_entropy_loss",
         replace=("np.log(p[np.arange(N), y])", "np.log10(p[np.arange(N), y])"),
         fails={"test_loss", "test_grad", "test_initial_loss"}),
    dict(name="Gradient not divided by N", answer="cross_entropy_grad",
         replace=("return ds / N", "return ds"),
         fails={"test_grad"}),
    dict(name="Missing -1 at the correct class", answer="cross_entropy_grad",
         replace=("ds[np.arange(N), y] -= 1", "ds[np.arange(N), y] -= 0"),
         fails={"test_grad"}),
    dict(name="P and Q swapped", answer="kl_divergence",
         replace=("P, Q = np.asarray(P, dtype=float), np.asarray(Q, dtype=float)",
                  "P, Q = np.asarray(Q, dtype=float), np.asarray(P, dtype=float)"),
         fails={"test_kl"}),
    dict(name="0 log 0 computed as NaN", answer="kl_divergence",
         replace=("mask = P > 0", "mask = np.ones(P.shape, dtype=bool)"),
         fails={"test_kl"}),
]
