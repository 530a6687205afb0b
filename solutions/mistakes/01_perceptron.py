"""Common mistakes listed in exercise 1; the test suite proves its tests catch each one."""

MISTAKES = [
    dict(name="Forgetting the bias", answer="perceptron_predict",
         replace=("s = X @ w + b", "s = X @ w"),
         fails={"test_predict", "test_train"}),
    dict(name="Updating on correctly classified points", answer="perceptron_epoch",
         replace=("if y_i * (x_i @ w + b) <= 0:", "if True:"),
         fails={"test_epoch", "test_train"}),
    dict(name="Labels {0, 1} used as {-1, +1}", answer="train_one_vs_rest",
         replace=("y = np.where(labels == digit, 1, -1)", "y = (labels == digit).astype(int)"),
         fails={"test_train"}),
    dict(name="Swapping x and y", answer="raw_plus_xy",
         replace=("return np.column_stack([images.reshape(N, H * W), x_bar, y_bar])",
                  "return np.column_stack([images.reshape(N, H * W), y_bar, x_bar])"),
         fails={"test_features"}),
]
