"""Common mistakes listed in exercise 2; the test suite proves its tests catch each one."""

MISTAKES = [
    dict(name="X @ W instead of X @ W.T", answer="scores",
         replace=("return X @ W.T + b", "return X @ W + b"),
         fails={"test_scores", "test_predict", "test_train"}),
    dict(name="Bias added along the wrong axis", answer="scores",
         replace=("return X @ W.T + b", "return X @ W.T + b[:, None]"),
         fails={"test_scores", "test_predict", "test_train"}),
    dict(name="Argmax over the wrong axis", answer="predict",
         replace=("np.argmax(scores(X, W, b), axis=1)", "np.argmax(scores(X, W, b), axis=0)"),
         fails={"test_predict", "test_train"}),
    dict(name="Rescaling all templates together", answer="templates_as_images",
         replace=("w_min, w_max = W.min(axis=1)[:, None], W.max(axis=1)[:, None]",
                  "w_min, w_max = W.min(), W.max()"),
         fails={"test_templates"}),
    dict(name="Counting instead of averaging", answer="accuracy",
         replace=("float(np.mean(", "float(np.sum("),
         fails={"test_accuracy", "test_train"}),
]
