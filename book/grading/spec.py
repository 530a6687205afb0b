"""The exercise format: how a notebook in solutions/ marks its answers and tests.

An exercise has one source, ``solutions/NN_name.ipynb``. Its cells carry metadata under the key
``grading`` (the author's; the grader's own per-cell ``assembly`` key is another thing, see
:mod:`book.grading.assemble`):

* an **answer cell**: ``{"id": "perceptron_predict", "kind": "answer"}``; its code holds the
  solution between ``### BEGIN SOLUTION`` and ``### END SOLUTION`` (nbgrader's markers). The
  release replaces each such block by a stub that raises ``NotImplementedError``.
* a **test cell**: ``{"id": "test_predict", "kind": "test", "points": 2, "depends": ["perceptron_predict"]}``;
  its code may hold hidden tests between ``### BEGIN HIDDEN TESTS`` and ``### END HIDDEN TESTS``,
  which the release removes. ``depends`` names every answer the test calls, directly or not.

Every other cell (prose, set-up) is the instructor's and is copied as it is.

Common mistakes an exercise lists live beside it, in ``solutions/mistakes/NN_name.py``, as a
list ``MISTAKES`` of dicts: ``name`` (the words the exercise uses for it), ``answer`` (the answer
id), ``replace`` (an ``(old, new)`` pair applied once to the solution's code, or ``source``,
a whole replacement cell), and ``fails`` (the ids of the test cells that must fail).
"""
from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

BEGIN_SOLUTION = "### BEGIN SOLUTION"
END_SOLUTION = "### END SOLUTION"
BEGIN_HIDDEN = "### BEGIN HIDDEN TESTS"
END_HIDDEN = "### END HIDDEN TESTS"
MARKERS = (BEGIN_SOLUTION, END_SOLUTION, BEGIN_HIDDEN, END_HIDDEN)
KINDS = ("answer", "test")
STUB_MESSAGE = "Replace this line with your code for '{id}'."
HIDDEN_NOTE = "# More tests for this question run when your work is graded."


class ExerciseError(ValueError):
    """A solution notebook breaks the exercise format; the message names file and cell."""


@dataclass(frozen=True)
class Question:
    """A test cell and what it is worth."""

    id: str
    points: float
    depends: tuple[str, ...]
    cell: int  # index in the notebook


@dataclass
class Exercise:
    """A parsed solution notebook."""

    name: str  # the file stem, e.g. "01_perceptron"
    path: Path
    nb: nbformat.NotebookNode
    answers: dict[str, int] = field(default_factory=dict)  # id -> cell index
    questions: dict[str, Question] = field(default_factory=dict)

    @property
    def total_points(self) -> float:
        return sum(q.points for q in self.questions.values())


def _where(path, index, cell=None) -> str:
    name = (cell or {}).get("metadata", {}).get("grading", {}).get("id") if cell else None
    return f"{path}, cell {index}" + (f" ('{name}')" if name else "")


def _blocks(lines, begin, end, where):
    """Yield (start, stop) line indices of each begin...end block; raise on a broken pair."""
    start = None
    for i, line in enumerate(lines):
        text = line.strip()
        if text == begin:
            if start is not None:
                raise ExerciseError(f"{where}: '{begin}' on line {i + 1} opens again before "
                                    f"'{end}' closed the block from line {start + 1}.")
            start = i
        elif text == end:
            if start is None:
                raise ExerciseError(f"{where}: '{end}' on line {i + 1} has no '{begin}' before it.")
            yield start, i
            start = None
    if start is not None:
        raise ExerciseError(f"{where}: '{begin}' on line {start + 1} has no '{end}' after it: "
                            f"close the block with a line '{end}'.")


def read_notebook(path, text=None) -> nbformat.NotebookNode:
    """Read a notebook (or parse `text`, its content), turning every way it can be malformed into
    one clear ExerciseError."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8") if text is None else text
    except (OSError, UnicodeDecodeError) as e:
        raise ExerciseError(f"{path}: cannot be read ({str(e)[:200]}).") from e
    if not text.strip():
        raise ExerciseError(f"{path}: the file is empty; it should be a Jupyter notebook (.ipynb JSON).")
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as e:
        raise ExerciseError(f"{path}: not valid JSON (line {e.lineno}, column {e.colno}: {e.msg}); "
                            "open it in Jupyter and save it again, or restore it from version control.") from e
    if not isinstance(raw, dict) or raw.get("nbformat") != 4:
        found = raw.get("nbformat") if isinstance(raw, dict) else type(raw).__name__
        raise ExerciseError(f"{path}: expected a notebook in nbformat 4, found nbformat {found}; "
                            "open and save it in a current Jupyter to upgrade it.")
    try:
        nb = nbformat.reads(text, as_version=4)
        nbformat.validate(nb)
    except Exception as e:  # nbformat raises several types
        raise ExerciseError(f"{path}: not a valid notebook ({(str(e).splitlines() or [''])[0][:300]}).") from e
    return nb


def parse_exercise(path, nb=None) -> Exercise:
    """Parse and validate a solution notebook; raise ExerciseError naming file and cell."""
    path = Path(path)
    nb = read_notebook(path) if nb is None else nb
    ex = Exercise(name=path.stem, path=path, nb=nb)
    seen = {}
    for i, cell in enumerate(nb.cells):
        meta = cell.get("metadata", {}).get("grading")
        where = _where(path, i, cell)
        lines = cell.source.splitlines()
        has = {m for m in MARKERS if any(line.strip() == m for line in lines)}
        if meta is None:
            if has:
                raise ExerciseError(f"{where}: holds '{sorted(has)[0]}' but has no grading metadata; "
                                    "give the cell metadata {\"grading\": {\"id\": ..., \"kind\": \"answer\" or \"test\"}}.")
            continue
        if cell.cell_type != "code":
            raise ExerciseError(f"{where}: grading metadata on a {cell.cell_type} cell; only code cells are graded.")
        cid, kind = meta.get("id"), meta.get("kind")
        if not isinstance(cid, str) or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", cid or ""):
            raise ExerciseError(f"{where}: the grading metadata needs an 'id' naming the cell "
                                f"(letters, digits, underscores), got {cid!r}.")
        if kind not in KINDS:
            raise ExerciseError(f"{where}: grading 'kind' must be one of {KINDS}, got {kind!r}.")
        if cid in seen:
            raise ExerciseError(f"{where}: the id '{cid}' is used by cell {seen[cid]} too; ids must be unique.")
        seen[cid] = i
        if kind == "answer":
            if has & {BEGIN_HIDDEN, END_HIDDEN}:
                raise ExerciseError(f"{where}: hidden-test markers belong in test cells, not in an answer cell.")
            blocks = list(_blocks(lines, BEGIN_SOLUTION, END_SOLUTION, where))
            if not blocks:
                raise ExerciseError(f"{where}: an answer cell needs a '{BEGIN_SOLUTION}' ... '{END_SOLUTION}' block.")
            ex.answers[cid] = i
        else:
            if has & {BEGIN_SOLUTION, END_SOLUTION}:
                raise ExerciseError(f"{where}: solution markers belong in answer cells, not in a test cell.")
            list(_blocks(lines, BEGIN_HIDDEN, END_HIDDEN, where))
            points = meta.get("points")
            if isinstance(points, bool) or not isinstance(points, (int, float)) or points < 0:
                raise ExerciseError(f"{where}: a test cell needs 'points', a number >= 0, got {points!r}.")
            depends = meta.get("depends")
            if not isinstance(depends, list) or not depends or not all(isinstance(d, str) for d in depends):
                raise ExerciseError(f"{where}: a test cell needs 'depends', the list of answer ids it tests.")
            ex.questions[cid] = Question(cid, float(points), tuple(depends), i)
    for q in ex.questions.values():
        for d in q.depends:
            if d not in ex.answers or ex.answers[d] > q.cell:
                raise ExerciseError(f"{_where(path, q.cell, nb.cells[q.cell])}: depends on '{d}', "
                                    "which is not an answer cell above it.")
    if not ex.answers or not ex.questions:
        raise ExerciseError(f"{path}: an exercise needs at least one answer cell and one test cell.")
    return ex


def _replace_blocks(source, begin, end, make, where):
    lines = source.splitlines()
    out, last = [], 0
    for start, stop in _blocks(lines, begin, end, where):
        out += lines[last:start]
        indent = lines[start][: len(lines[start]) - len(lines[start].lstrip())]
        out += [indent + line for line in make()]
        last = stop + 1
    out += lines[last:]
    return "\n".join(out)


def stub_source(cell_id, source, where="") -> str:
    """The answer cell as a student receives it: each solution block becomes a stub."""
    msg = STUB_MESSAGE.format(id=cell_id)
    return _replace_blocks(source, BEGIN_SOLUTION, END_SOLUTION,
                           lambda: ["# YOUR CODE HERE", f"raise NotImplementedError({msg!r})"], where)


def visible_source(source, where="") -> str:
    """The test cell as a student receives it: hidden blocks become one comment line."""
    return _replace_blocks(source, BEGIN_HIDDEN, END_HIDDEN, lambda: [HIDDEN_NOTE], where)


def solution_files(root) -> list[Path]:
    """The exercise sources: solutions/NN_*.ipynb, sorted."""
    return sorted(p for p in Path(root, "solutions").glob("[0-9][0-9]_*.ipynb"))


def combined_digest(named: dict[str, str]) -> str:
    """One SHA-256 over files' names and their SHA-256 hex digests ({name: digest}, taken in
    sorted order): what a grader and a cluster worker compare to agree on a set of files."""
    h = hashlib.sha256()
    for name in sorted(named):
        h.update(name.encode() + b"\0" + bytes.fromhex(named[name]))
    return h.hexdigest()
