"""Common mistakes listed in exercise 4; the test suite proves its tests catch each one."""

MISTAKES = [
    dict(name="The update's sign", answer="train_gd",
         replace=("W = W - alpha * dW", "W = W + alpha * dW"),
         fails={"test_train"}),
    dict(name="A transposed gradient", answer="softmax_loss_vectorized",
         replace=("dW = dS.T @ X", "dW = X.T @ dS"),
         fails={"test_vectorized", "test_train"}),
    dict(name="A missing 1/N", answer="softmax_loss_loop",
         replace=("return L / N, dW / N, db / N", "return L / N, dW, db"),
         fails={"test_loop"}),
    dict(name="The ReLU mask from the upstream gradient", answer="relu_backward",
         replace=("dx = np.where(x > 0, dout, 0.0)", "dx = np.where(dout > 0, dout, 0.0)"),
         fails={"test_relu", "test_affine_relu"}),
    dict(name="Averaging db instead of summing", answer="affine_backward",
         replace=("db = dout.sum(axis=0)", "db = dout.mean(axis=0)"),
         fails={"test_affine", "test_affine_relu"}),
]
