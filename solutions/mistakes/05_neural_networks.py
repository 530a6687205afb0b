"""Common mistakes listed in exercise 5; the test suite proves its tests catch each one."""

MISTAKES = [
    dict(name="ReLU backward masked by the upstream gradient instead of the input", answer="two_layer_backward",
         replace=("da1 = dh1 * (a1 > 0)", "da1 = dh1 * (dh1 > 0)"),
         fails={"test_backward", "test_backward_reg", "test_train_spiral", "test_train_digits"}),
    dict(name="Bias gradient not summed over the batch", answer="two_layer_backward",
         replace=("db2 = ds.sum(axis=0)", "db2 = ds.mean(axis=0)"),
         fails={"test_backward", "test_backward_reg"}),
    dict(name="Regularisation gradient missing its factor 2", answer="two_layer_backward",
         replace=("dW1 = da1.T @ X + 2 * reg * params[\"W1\"]", "dW1 = da1.T @ X + reg * params[\"W1\"]"),
         fails={"test_backward_reg"}),
    dict(name="Softmax without subtracting the max", answer="softmax_loss",
         replace=("shifted = s - s.max(axis=1, keepdims=True)", "shifted = s"),
         fails={"test_loss"}),
]
