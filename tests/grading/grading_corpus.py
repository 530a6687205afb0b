"""Submissions made by the tests, each with what grading it must give.

For every exercise in solutions/: the solution (full marks), the released stub (zero), and each
listed common mistake (it loses exactly the questions the mistake names). For one exercise
(the first), broken and hostile notebooks: each case says which questions must fail, why (a
phrase of the message the student reads), and what must be flagged. Every expectation is
computed from the exercise's own metadata (points, depends, cell order), never typed in.
"""
from __future__ import annotations

import copy
import json
import sys
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from book.grading.release import release_notebook
from book.grading.spec import load_mistakes, mistaken, parse_exercise, solution_files, strip_markers

ROOT = Path(__file__).resolve().parents[2]
EXERCISES = [parse_exercise(p) for p in solution_files(ROOT)]
HOSTILE = EXERCISES[0]
HOSTILE_TIMEOUT = 10  # seconds per cell for the hostile corpus (its loop and hang cases wait this long)


@dataclass
class Case:
    student: str
    exercise: str
    data: bytes                                   # the file's bytes
    fails: set[str] = field(default_factory=set)  # questions that must score 0; all others full points
    status: str = "graded"                        # or "could_not_run"
    reason: str = ""                              # could_not_run: the reason kind
    why: str = ""                                 # a phrase each failing question's message must hold
    flag: tuple[str, str] | None = None           # (severity, phrase) that must be among the flags


def write(nb) -> bytes:
    return nbformat.writes(nb).encode("utf-8")


def solution_answers(ex) -> dict[str, str]:
    return {cid: strip_markers(ex.nb.cells[i].source) for cid, i in ex.answers.items()}


def released(ex):
    return release_notebook(ex)


def filled(ex, answers: dict[str, str]):
    """The released notebook with the given answer cells written in, as a student would."""
    nb = released(ex)
    for cid, i in ex.answers.items():
        if cid in answers:
            nb.cells[i].source = answers[cid]
    return nb


def mistake_answers(ex, m) -> dict[str, str]:
    nb = mistaken(ex, m)
    return {cid: strip_markers(nb.cells[i].source) for cid, i in ex.answers.items()}


def dependents(ex, cid) -> set[str]:
    return {q.id for q in ex.questions.values() if cid in q.depends}


def normal_cases() -> list[Case]:
    cases = []
    for ex in EXERCISES:
        n = ex.name[:2]
        cases.append(Case(f"ex{n}-solution", ex.name, write(filled(ex, solution_answers(ex)))))
        cases.append(Case(f"ex{n}-stub", ex.name, write(released(ex)), fails=set(ex.questions)))
        for k, m in enumerate(load_mistakes(ex)):
            cases.append(Case(f"ex{n}-mistake{k + 1}", ex.name, write(filled(ex, mistake_answers(ex, m))),
                              fails=set(m["fails"])))
    first = next(c for c in cases if "mistake" in c.student)
    cases.append(Case(first.student + "-again", first.exercise, first.data, set(first.fails)))
    return cases


def _top_function(source: str) -> str:
    import ast
    return next(n.name for n in ast.parse(source).body if isinstance(n, ast.FunctionDef))


def hostile_cases(ex=HOSTILE) -> list[Case]:
    sol = solution_answers(ex)
    a = next(iter(ex.answers))               # the answer the runtime cases break
    deps = dependents(ex, a)
    m = load_mistakes(ex)[0]                 # a wrong answer, for the cases that try to hide it
    ma, mfails = m["answer"], set(m["fails"])
    wrong = mistake_answers(ex, m)
    after_ma = {q.id for q in ex.questions.values() if q.cell > ex.answers[ma]}
    name = ex.name

    def broken(extra: str) -> bytes:
        return write(filled(ex, dict(sol, **{a: sol[a] + "\n" + extra})))

    def hiding(extra: str, top=True) -> bytes:
        return write(filled(ex, dict(wrong, **{ma: (extra + "\n" + wrong[ma]) if top else wrong[ma] + "\n" + extra})))

    cases = [
        Case("h-invalid-json", name, b'{"cells": [', status="could_not_run", reason="json"),
        Case("h-empty-file", name, b"", status="could_not_run", reason="empty"),
        Case("h-nbformat3", name, json.dumps({"nbformat": 3, "nbformat_minor": 0, "metadata": {},
                                              "worksheets": [{"cells": []}]}).encode(),
             status="could_not_run", reason="nbformat"),
    ]
    other = next((e for e in EXERCISES if e.name != ex.name), None)
    if other is not None:
        wrong_nb = filled(other, solution_answers(other))
    else:
        wrong_nb = released(ex)
        wrong_nb.metadata["grading"]["exercise"] = "99_elsewhere"
    cases.append(Case("h-wrong-exercise", name, write(wrong_nb), status="could_not_run", reason="wrong_exercise"))

    nb = filled(ex, sol)
    del nb.cells[ex.answers[a]]
    cases.append(Case("h-answer-deleted", name, write(nb), fails=deps, why="no code cell for the answer"))

    nb = released(ex)
    for q in ex.questions.values():
        nb.cells[q.cell].source = "assert True"
    cases.append(Case("h-tests-assert-true", name, write(nb), fails=set(ex.questions), why="Replace this line"))

    nb = filled(ex, sol)
    for q in ex.questions.values():
        nb.cells[q.cell].metadata["grading"]["points"] = q.points * 100
    nb.metadata["grading"]["total_points"] = ex.total_points * 100
    cases.append(Case("h-points-inflated", name, write(nb)))

    nb = released(ex)
    for k, cid in enumerate(ex.answers):
        nb.cells.append(nbformat.v4.new_code_cell(
            "assert True", metadata={"grading": {"id": f"test_bonus_{k}", "kind": "test", "points": 100,
                                                 "depends": [cid]}}))
    cases.append(Case("h-extra-test-cells", name, write(nb), fails=set(ex.questions), why="Replace this line"))

    nb = released(ex)
    for n_cell, cell in enumerate(c for c in nb.cells if c.cell_type == "code"):
        cell.execution_count = n_cell + 1
        cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="all tests passed\n")]
    cases.append(Case("h-outputs-pasted", name, write(nb), fails=set(ex.questions), why="Replace this line"))

    cases += [
        Case("h-infinite-loop", name, broken("while True:\n    pass"), fails=deps, why="did not finish within"),
        Case("h-allocates-10gb", name, broken("import numpy\n_big = numpy.ones(10 * 2**30 // 8)"), fails=deps,
             why="ran out of memory"),
        Case("h-os-exit", name, broken("import os\nos._exit(0)"), fails=deps, why="exited with status 0"),
        Case("h-sys-exit", name, broken("import sys\nsys.exit(1)"), fails=deps, why="called sys.exit()"),
        Case("h-kernel-kills-itself", name, broken("import os, signal\nos.kill(os.getpid(), signal.SIGKILL)"),
             fails=deps, why="SIGKILL"),
        Case("h-prints-100mb", name, broken("for _ in range(1_000_000):\n    print('x' * 99)"), fails=deps,
             why="printed more than"),
        Case("h-reads-solutions", name, broken(
            "import json, pathlib, book\n"
            "_root = pathlib.Path(book.__file__).resolve().parents[1]\n"
            f"_nb = json.loads((_root / 'solutions' / '{name}.ipynb').read_text())"),
            fails=deps, why="PermissionError", flag=("tamper", "solutions")),
        Case("h-patches-numpy", name, hiding(
            "import numpy\nfor _f in ('allclose', 'isclose', 'array_equal', 'array_equiv'):\n"
            "    setattr(numpy, _f, lambda *a, **k: True)"), fails=mfails, flag=("tamper", "numpy.allclose")),
        Case("h-patches-numpy-when-called", name, hiding(
            f"_original = {_top_function(wrong[ma])}\n"
            f"def {_top_function(wrong[ma])}(*args, **kwargs):\n"
            "    import numpy\n"
            "    numpy.allclose = numpy.isclose = numpy.array_equal = lambda *a, **k: True\n"
            "    return _original(*args, **kwargs)", top=False),
            fails=dependents(ex, ma), flag=("tamper", "numpy.allclose")),
        Case("h-patches-builtins", name, hiding(
            "import builtins\nbuiltins.isinstance = lambda *a, **k: True\nbuiltins.all = lambda *a, **k: True\n"
            "builtins.any = lambda *a, **k: True"), fails=mfails, flag=("tamper", "builtins.isinstance")),
        Case("h-shadows-builtins", name, hiding("isinstance = lambda *a, **k: True\nset = lambda *a: {1, -1}"),
             fails=mfails, flag=("note", "shadowed")),
        Case("h-edits-sys-modules", name, hiding(
            "import sys, types\n_fake = types.ModuleType('numpy')\n_fake.allclose = lambda *a, **k: True\n"
            "sys.modules['numpy'] = _fake"), fails=mfails, flag=("tamper", "sys.modules['numpy']")),
        Case("h-hides-errors", name, hiding("get_ipython().showtraceback = lambda *a, **k: None"),
             fails=mfails, flag=("tamper", "showtraceback")),
        Case("h-background-thread", name, hiding(
            "import threading, time, numpy\n"
            "def _patch():\n"
            "    while True:\n"
            "        numpy.allclose = numpy.array_equal = lambda *a, **k: True\n"
            "        time.sleep(0.001)\n"
            "threading.Thread(target=_patch, daemon=True).start()"),
            fails=mfails | after_ma, flag=("tamper", "thread")),
    ]

    nb = filled(ex, sol)
    code = [c for c in nb.cells if c.cell_type == "code"]
    nb.cells = [c for c in nb.cells if c.cell_type != "code"] + code[::-1]
    cases.append(Case("h-cells-reordered", name, write(nb)))

    nb = filled(ex, dict(sol, **{a: "# NBVAL_SKIP\n" + sol[a]}))
    cases.append(Case("h-nbval-skip-marker", name, write(nb), flag=("note", "marker")))

    nb = released(ex)
    dup = copy.deepcopy(nb.cells[ex.answers[a]])
    dup.source = sol[a]
    dup.id = "copied-cell"
    nb.cells.insert(ex.answers[a] + 1, dup)
    cases.append(Case("h-answer-cell-duplicated", name, write(nb),
                      fails={q.id for q in ex.questions.values() if set(q.depends) - {a}},
                      why="Replace this line", flag=("note", "cells carry")))
    return cases


def write_folder(cases, root: Path) -> Path:
    """A folder per student: root/<student>/<exercise>.ipynb."""
    for c in cases:
        path = root / c.student / f"{c.exercise}.ipynb"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(c.data)
    return root


def write_flat_zip(cases, path: Path, wrapper="export") -> Path:
    """A .zip of a flat folder: <wrapper>/<student>_<exercise>.ipynb, as learning platforms export."""
    with zipfile.ZipFile(path, "w") as zf:
        for c in cases:
            zf.writestr(f"{wrapper}/{c.student}_{c.exercise}.ipynb", c.data)
    return path


def grade_cmd(submissions, out, *extra) -> list[str]:
    """The grading command, as an instructor types it."""
    return [sys.executable, "-m", "book.grading", "grade", str(submissions), "--out", str(out),
            "--root", str(ROOT), *extra]


def snapshot(folder: Path) -> dict:
    """Every file under `folder` with its bytes and modification time."""
    return {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in sorted(folder.rglob("*")) if p.is_file()}
