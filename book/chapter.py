"""What every chapter notebook imports in its first cell: the course's plot style, and ``prose``.

Importing this module applies the one plot style all chapters share (:data:`STYLE`, the file
book/book.mplstyle, applied by :func:`book.plots.use_book_style`).

``prose`` holds the computed numbers a chapter's text quotes, each already written the way the
sentence shows it. A short code cell sets them::

    prose.n_train = format(len(digits.y_train), "d")
    prose.acc = format(accuracy, ".1%")

and the markdown says ``There are {eval}`prose.n_train` training images``. The ``{eval}`` role is
evaluated in the notebook's kernel, both by the book's build (MyST-NB, inline execution) and by
JupyterLab (jupyterlab-myst), so one source shows the same number in both. ``python -m
book.notebooks refresh`` also stores the results in the chapter, so JupyterLab shows them before
the notebook has run.

Tag such a cell ``remove-input`` and ``remove-output``: the book shows nothing of it, yet runs it
in its place. (MyST-NB runs a ``remove-cell`` cell only when the next code cell it shows runs, so
a sentence between the two would not find its numbers.)
"""
from __future__ import annotations

from types import SimpleNamespace

from .plots import BOOK_STYLE, use_book_style

__all__ = ["STYLE", "Prose", "prose"]

STYLE = BOOK_STYLE            # book/book.mplstyle: figures 7 in wide at 100 dpi, text >= 9 pt
use_book_style()


class Prose(SimpleNamespace):
    """Numbers for the text, as text: every value must be a ``str`` (format it first)."""

    def __setattr__(self, name: str, value) -> None:
        if not isinstance(value, str):
            raise TypeError(
                f"prose.{name} must be text, got {type(value).__name__} {value!r}: format it the way "
                f"the sentence shows it, e.g. prose.{name} = format(value, '.1%')")
        super().__setattr__(name, value)


prose = Prose()
