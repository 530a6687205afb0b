"""Put a student's answers into the instructor's notebook.

Only the student's answer cells are taken, found by the answer id in their metadata
(``{"grading": {"id": ..., "kind": "answer"}}``). Everything else comes from the instructor's
``solutions/NN_name.ipynb``: set-up cells, visible and hidden tests, points. So editing or deleting
test cells, adding cells, changing points or pasting outputs changes nothing. An answer cell the
student deleted is replaced by the released stub, and the questions that depend on it score 0.

The student's file is only read, never written.
"""
from __future__ import annotations

import builtins
import copy
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from . import scan
from .spec import ExerciseError, Exercise, read_notebook, stub_source

NBVAL_MARKER = re.compile(r"^(\s*)#(\s*(?:NBVAL_\w+|PYTEST_VALIDATE_IGNORE_OUTPUT)\s*)$", re.MULTILINE)


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
    nb: nbformat.NotebookNode       # what runs: the instructor's notebook with the student's answers
    missing: dict[str, str]         # answer id -> why it is missing
    flags: list[dict] = field(default_factory=list)   # static scan findings and notes
    watch: list[str] = field(default_factory=list)    # packages the instructor's cells import
    builtin_reads: list[str] = field(default_factory=list)


def _source(cell) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else str(src)


def read_submission(path, shown=None) -> Student:
    """Read a student's notebook (never writing it); raise SubmissionError when it cannot be used."""
    path = Path(path)
    shown = shown or str(path)
    try:
        nb = read_notebook(path)
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
            raw = json.loads(path.read_text(encoding="utf-8"))
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


def check_exercise(student: Student, ex: Exercise, exercises=()) -> None:
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


def instructor_info(ex: Exercise):
    """Per code cell of the instructor's notebook the names it binds; the packages its cells
    import, the builtins its tests read, and the names it binds to modules."""
    assigns, packages, reads, modules = {}, set(), set(), set()
    bound = set()
    for i, cell in enumerate(ex.nb.cells):
        if cell.cell_type != "code" or i in ex.answers.values():
            continue
        tree = scan.parse_cell(cell.source)
        if tree is None:
            continue
        assigns[i] = scan.assigned_names(tree)
        bound.update(assigns[i])
        packages |= scan.imported_packages(tree)
        modules |= scan.module_names(tree)
        if (cell.metadata.get("grading") or {}).get("kind") == "test":
            reads |= scan.loaded_names(tree)
    builtin_reads = sorted(n for n in reads if hasattr(builtins, n) and n not in bound)
    return assigns, sorted(packages), builtin_reads, modules


def _neutralise_markers(source: str) -> tuple[str, bool]:
    new = NBVAL_MARKER.sub(lambda m: f"{m.group(1)}# (marker ignored by the grader){m.group(2)}", source)
    return new, new != source


def assemble(ex: Exercise, student: Student) -> Assembly:
    """The instructor's notebook with the student's answer cells in place of the solutions."""
    nb = copy.deepcopy(ex.nb)
    assigns, packages, builtin_reads, modules = instructor_info(ex)
    missing, flags = {}, []
    answer_cells = {i: cid for cid, i in ex.answers.items()}
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        g = cell.metadata.get("grading") or {}
        role = {"answer": "answer", "test": "test"}.get(g.get("kind"), "setup")
        meta = {"index": i, "role": role}
        if g.get("id"):
            meta["id"] = g["id"]
        if i in answer_cells:
            cid = answer_cells[i]
            if cid in student.answers:
                source, changed = _neutralise_markers(student.answers[cid])
                if changed:
                    flags.append({"severity": "note", "where": cid,
                                  "what": "an nbval marker comment in the answer was ignored"})
                if student.cells[cid] > 1:
                    flags.append({"severity": "note", "where": cid,
                                  "what": f"{student.cells[cid]} cells carry this answer's name; "
                                          "they were run one after the other"})
                for f in scan.scan(source, cid, modules):
                    flags.append({"severity": "suspect", "where": cid, "line": f["line"], "what": f["what"]})
            else:
                missing[cid] = ("your notebook has no code cell for the answer "
                                f"'{cid}' (the grader finds it by the name in the cell's metadata)")
                source = stub_source(cid, cell.source)
            cell.source = source
            cell.outputs = []
            cell.execution_count = None
        else:
            meta["assigns"] = assigns.get(i, [])
        cell.metadata["grader"] = meta
    return Assembly(nb, missing, flags, packages, builtin_reads)
