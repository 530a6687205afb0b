"""Put a student's answers into the instructor's notebook.

Only the student's answer cells are taken, found by the answer id in their metadata
(``{"grading": {"id": ..., "kind": "answer"}}``). Everything else comes from the instructor's
``solutions/NN_name.ipynb``: set-up cells, visible and hidden tests, points. So editing or deleting
test cells, adding cells, changing points or pasting outputs changes nothing. An answer cell the
student deleted is replaced by the released stub, and the questions that depend on it score 0.

The student's file is only read, never written.

Two metadata keys, not to be confused: ``grading`` is the exercise's own (written by its author in
solutions/, kept by the release, read here to find answers and tests); ``assembly`` is written
here on each code cell of the notebook the grader runs (``{"index": the cell's number in the
instructor's notebook, "role": "answer" | "test" | "setup", "id": ...}``; :mod:`book.grading.run`
adds its set-up cell as index -1, role "guard") and read by :mod:`book.grading.pytest_plugin` to say
which cell an outcome belongs to.
"""
from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from . import scan
from .spec import ExerciseError, Exercise, read_notebook, stub_source



class SubmissionError(ValueError):
    """A submission that cannot be graded at all; ``kind`` says why in one word."""

    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind


@dataclass
class Student:
    """What the grader takes from a student's notebook."""

    exercise: str | None            # the exercise named in the notebook's metadata, if any
    answers: dict[str, str]         # answer id -> source (several cells with one id are joined)
    cells: dict[str, int]           # answer id -> how many cells carried it
    answer_ids: set[str]            # every answer id present, of any exercise


@dataclass
class Assembly:
    nb: nbformat.NotebookNode       # the trusted notebook: set-up cells, tests, and calls into the answer process
    missing: dict[str, str]         # answer id -> why it is missing
    flags: list[dict] = field(default_factory=list)   # static scan findings and notes
    cells: dict[int, dict] = field(default_factory=dict)  # what the answer process runs, by cell index


def _source(cell) -> str:
    src = cell.get("source", "")
    return "".join(x if isinstance(x, str) else str(x) for x in src) if isinstance(src, list) else str(src)


def read_submission(path, shown=None) -> Student:
    """Read a student's notebook (never writing it); raise SubmissionError when it cannot be used."""
    from .submissions import read_untrusted

    path = Path(path)
    shown = shown or str(path)
    try:
        text = read_untrusted(path).decode("utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise SubmissionError("unreadable", f"{shown}: cannot be read ({str(e)[:200]})") from None
    try:
        nb = read_notebook(path, text)
        cells = nb.cells
        meta = nb.metadata
    except ExerciseError as e:
        message = str(e).replace(str(path), shown)
        kind = ("empty" if "empty" in message else "json" if "not valid JSON" in message
                else "nbformat" if "nbformat" in message else "unreadable" if "cannot be read" in message
                else "invalid")
        if kind != "invalid":
            raise SubmissionError(kind, message) from None
        try:  # valid JSON in nbformat 4 that fails the schema: read what grading needs, leniently
            raw = json.loads(text)
            cells = [c for c in raw["cells"] if isinstance(c, dict)]
            meta = raw.get("metadata") or {}
        except Exception:
            raise SubmissionError(kind, message) from None
    answers, counts, ids = {}, {}, set()
    for cell in cells:
        g = (cell.get("metadata") or {}).get("grading") or {}
        if not isinstance(g, dict) or g.get("kind", "answer") != "answer" or not isinstance(g.get("id"), str):
            continue
        ids.add(g["id"])
        if cell.get("cell_type") != "code":
            continue
        cid = g["id"]
        counts[cid] = counts.get(cid, 0) + 1
        answers[cid] = answers[cid] + "\n\n" + _source(cell) if cid in answers else _source(cell)
    grading = meta.get("grading") if isinstance(meta, dict) else None
    exercise = grading.get("exercise") if isinstance(grading, dict) else None
    return Student(exercise if isinstance(exercise, str) else None, answers, counts, ids)


def validate_submission(student: Student, ex: Exercise, exercises=()) -> None:
    """Raise SubmissionError if the notebook is another exercise's or holds none of this one's answers."""
    if student.exercise and student.exercise != ex.name:
        raise SubmissionError("wrong_exercise", f"this notebook is exercise {student.exercise}, not {ex.name}: "
                                                "submit the notebook of this exercise")
    if not set(ex.answers) & student.answer_ids:
        others = [o.name for o in exercises if o.name != ex.name and set(o.answers) & student.answer_ids]
        if others:
            raise SubmissionError("wrong_exercise", f"this notebook holds the answers of {others[0]}, not {ex.name}")
        raise SubmissionError("no_answers", f"none of the answer cells of {ex.name} ({', '.join(ex.answers)}) is "
                                            "in this notebook; the grader finds answers by the name in each answer "
                                            "cell's metadata, so work in the released notebook")


def answer_names(ex: Exercise) -> dict[str, list[str]]:
    """Per answer id, the names its cell in the instructor's notebook defines (what tests may call)."""
    out = {}
    for cid, i in ex.answers.items():
        tree = scan.parse_cell(ex.nb.cells[i].source)
        out[cid] = [n for n in (scan.assigned_names(tree) if tree is not None else []) if not n.startswith("_")]
    return out


def forbidden_names(ex: Exercise) -> list[str]:
    """What the exercise puts off-limits: notebook metadata ``grading.forbidden`` (dotted names)."""
    names = (ex.nb.metadata.get("grading") or {}).get("forbidden") or []
    return [n for n in names if isinstance(n, str)]


def trusted_notebook(ex: Exercise, answers: dict[str, str], names: dict[str, list[str]]):
    """(the notebook the trusted kernel runs, the cells the answer process runs)."""
    nb = copy.deepcopy(ex.nb)
    cells = {}
    answer_cells = {i: cid for cid, i in ex.answers.items()}
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        g = cell.metadata.get("grading") or {}
        role = "answer" if i in answer_cells else "test" if g.get("kind") == "test" else "setup"
        meta = {"index": i, "role": role}
        if g.get("id"):
            meta["id"] = g["id"]
        if role == "answer":
            cid = answer_cells[i]
            cells[i] = {"kind": "answer", "id": cid, "source": answers[cid], "names": names.get(cid, [])}
            cell.source = f"_lcb.answer({i}, globals())"
        elif role == "setup":
            cells[i] = {"kind": "setup", "source": cell.source, "names": []}
            cell.source = f"_lcb.setup({i})\n" + cell.source
        cell.outputs = []
        cell.execution_count = None
        cell.metadata["assembly"] = meta
    return nb, cells


def assemble(ex: Exercise, student: Student) -> Assembly:
    """The instructor's notebook with the student's answer cells in place of the solutions."""
    missing, flags, answers = {}, [], {}
    modules = set()
    for cell in ex.nb.cells:
        if cell.cell_type == "code" and (tree := scan.parse_cell(cell.source)) is not None:
            modules |= scan.module_names(tree)
    forbidden = forbidden_names(ex)
    for cid, i in ex.answers.items():
        if cid in student.answers:
            source = student.answers[cid]
            if student.cells[cid] > 1:
                flags.append({"severity": "note", "where": cid,
                              "what": f"{student.cells[cid]} cells carry this answer's name; "
                                      "they were run one after the other"})
            for f in scan.scan(source, cid, modules):
                flags.append({"severity": "suspect", "where": cid, "line": f["line"], "what": f["what"]})
            for name in forbidden:
                last = name.rpartition(".")[2]
                if name in source or name.count(".") >= 2 and re.search(rf"\b{re.escape(last)}\b", source):
                    flags.append({"severity": "forbidden", "where": cid,
                                  "what": f"mentions {name}, which this exercise puts off-limits"})
        else:
            missing[cid] = ("your notebook has no code cell for the answer "
                            f"'{cid}' (the grader finds it by the name in the cell's metadata)")
            source = stub_source(cid, ex.nb.cells[i].source)
        answers[cid] = source
    nb, cells = trusted_notebook(ex, answers, answer_names(ex))
    return Assembly(nb, missing, flags[:50], cells)
