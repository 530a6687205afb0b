"""The validation helpers: errors name the argument, its shape and what was expected."""
import numpy as np
import pytest

from book._validate import as_array, check_finite, check_labels, fmt_shape


def test_fmt_shape_prints_like_numpy():
    assert fmt_shape((3,)) == "(3,)"
    assert fmt_shape((2, 5)) == "(2, 5)"


def test_as_array_shape_error_names_argument_expected_and_actual():
    with pytest.raises(ValueError) as err:
        as_array("X", np.zeros((64, 10)), ndim=2, shape=(None, 64), dims=("N", "D"),
                 hint="matching W (C, D)=(10, 64)")
    assert str(err.value) == ("X must have shape (N, D) with D=64 matching W (C, D)=(10, 64); "
                              "got X of shape (64, 10)")


def test_as_array_ndim_error():
    with pytest.raises(ValueError, match=r"X must be 2-D.*\(N, D\).*got X of shape \(3,\)"):
        as_array("X", np.zeros(3), ndim=2, dims=("N", "D"))


def test_as_array_dtypes():
    assert as_array("X", [[1, 2]], dtype="float").dtype == np.float64
    x32 = np.ones((2, 2), dtype=np.float32)
    assert as_array("X", x32, dtype="float") is x32          # no copy, no promotion
    assert as_array("y", np.array([1.0, 2.0]), dtype="int").dtype.kind == "i"
    with pytest.raises(TypeError, match="y must hold integer labels"):
        as_array("y", [0.5, 1.0], dtype="int")
    with pytest.raises(TypeError, match="X must hold numbers"):
        as_array("X", ["a", "b"])


def test_check_labels_range_and_length():
    assert check_labels("y", [0, 9, 3], 10).tolist() == [0, 9, 3]
    with pytest.raises(ValueError, match=r"^y holds labels outside 0\.\.9: found 12$"):
        check_labels("y", [1, 12, 3], 10)
    with pytest.raises(ValueError, match="found -1"):
        check_labels("y", [1, -1], 10)
    with pytest.raises(ValueError, match=r"y must have shape \(N,\) with N=4.*got y of shape \(3,\)"):
        check_labels("y", [1, 2, 3], 10, N=4)
    with pytest.raises(ValueError, match=r"1-D.*got y of shape \(2, 2\)"):
        check_labels("y", [[1, 2], [0, 1]], 10)


def test_check_finite_counts_nan_and_inf():
    a = np.zeros(6)
    assert check_finite("s", a) is a
    a[[0, 2, 4]] = np.nan
    with pytest.raises(ValueError, match=r"^s contains NaN at 3 places; check the inputs"):
        check_finite("s", a)
    a[1] = np.inf
    with pytest.raises(ValueError, match="NaN at 3 places and inf at 1 place"):
        check_finite("s", a)


def test_check_finite_huge_but_finite_values_pass():
    big = np.full(10, 3e38, dtype=np.float32)          # their sum overflows; the values are finite
    assert check_finite("X", big) is big
    big[3] = np.nan
    with pytest.raises(ValueError, match="X contains NaN at 1 place"):
        check_finite("X", big)
