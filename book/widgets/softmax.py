"""Softmax with temperature, to play with: the chapter "Loss functions" (module ``js/softmax.js``).

The reader moves three class scores and a temperature T continuously and picks the correct
class; the page shows p = softmax(s / T), the gradient (p - t) / T of the loss, and the loss
L = -log p_y as a curve over the correct class's score with the current point on it.
"""
from __future__ import annotations

import numpy as np

from .._validate import as_array, check_finite
from ..losses import softmax, softmax_cross_entropy
from . import Explorer, on_grid

__all__ = ["CLASSES", "SoftmaxExplorer", "softmax_state", "softmax_explorer"]

CLASSES = ("cat", "car", "frog")


def softmax_state(s, T=1.0, y=0):
    """What the explorer shows for scores s (C,), temperature T > 0 and correct class y:
    (p (C,), L, ds (C,)) with p = softmax(s / T), L = -log p_y and ds = dL/ds = (p - t) / T."""
    s = as_array("s", s, ndim=1, dims=("C",), dtype="float")
    check_finite("s", s)
    if not T > 0:
        raise ValueError(f"T must be a positive temperature; got {T!r}")
    if int(y) != y or not 0 <= y < s.shape[0]:
        raise ValueError(f"y must be a class index in 0..{s.shape[0] - 1}; got {y!r}")
    L, dz = softmax_cross_entropy(s / T, int(y))
    return softmax(s / T), float(L), dz / T


class SoftmaxExplorer(Explorer):
    """State: class names, scores s (C,) in [-10, 10], temperature T in [0.1, 10], correct class y."""

    module = "softmax"
    synced = dict(classes=[], s=[], T=1.0, y=0)


def softmax_explorer(s=(3.2, 5.1, -1.7), T=1.0, y=0, classes=CLASSES):
    """Scores s, temperature T and correct class y to start from (the lecture's cat image)."""
    s = as_array("s", s, ndim=1, dims=("C",), dtype="float")
    if len(classes) != s.shape[0]:
        raise ValueError(f"one class name per score: got {len(classes)} names for {s.shape[0]} scores")
    if np.any(np.abs(s) > 10):
        raise ValueError(f"the scores must lie in the sliders' range [-10, 10]; got {s.tolist()}")
    if not 0.1 <= T <= 10:
        raise ValueError(f"T must lie in the slider's range [0.1, 10]; got {T!r}")
    softmax_state(s, T, y)   # checks y
    return SoftmaxExplorer(classes=list(classes), s=np.round(s, 2), T=on_grid(T, 0.1, 10, n=1000), y=int(y),
                           alt="Bar charts of the softmax probabilities and of the loss gradient for three "
                               "classes, and the cross-entropy loss drawn as a curve over the correct "
                               "class's score with the current point marked.")
