"""The student's self-check: run a notebook's visible tests the way the grader runs them.

``python -m book.grading check exercises/01_perceptron.ipynb`` runs the notebook as it is, under
pytest + nbval in a fresh process with the grader's limits, and prints for each question whether
its visible test passed, the test's own message, and the points at stake. The hidden tests are not
in a student's notebook, so they cannot run here; the grade may be lower than what passes here.
"""
from __future__ import annotations

from pathlib import Path

from . import scan
from .assemble import forbidden_names, trusted_notebook
from .grade import _points, score
from .run import Limits, run_notebook
from .sandbox import Runners, SandboxError
from .spec import BEGIN_HIDDEN, Exercise, ExerciseError, Question, read_notebook


def exercise_of(path) -> Exercise:
    """The answers and questions a notebook's metadata declares (no solution markers needed)."""
    path = Path(path)
    nb = read_notebook(path)
    ex = Exercise(name=path.stem, path=path, nb=nb)
    for i, cell in enumerate(nb.cells):
        g = cell.metadata.get("grading") or {}
        if cell.cell_type != "code" or not isinstance(g.get("id"), str):
            continue
        if g.get("kind") == "answer":
            ex.answers[g["id"]] = i
        elif g.get("kind") == "test":
            points = g.get("points", 0)
            points = float(points) if isinstance(points, (int, float)) and not isinstance(points, bool) else 0.0
            depends = tuple(d for d in g.get("depends", []) if isinstance(d, str))
            ex.questions[g["id"]] = Question(g["id"], points, depends, i)
    if not ex.questions:
        raise ExerciseError(f"{path}: no test cells (code cells whose metadata has grading kind 'test'); "
                            "is this an exercise notebook from exercises/?")
    return ex


def prepare(ex: Exercise):
    """(the trusted notebook, the cells the answer process runs) for the notebook as it is."""
    answers = {cid: ex.nb.cells[i].source for cid, i in ex.answers.items()}
    names = {}
    for cid, i in ex.answers.items():
        tree = scan.parse_cell(ex.nb.cells[i].source)
        names[cid] = [n for n in (scan.assigned_names(tree) if tree is not None else []) if not n.startswith("_")]
    return trusted_notebook(ex, answers, names)


def runners(mode: str) -> Runners:
    """The sandbox `mode` asks for; "auto": bubblewrap when it works here, else none."""
    if mode != "auto":
        return Runners(mode)
    try:
        return Runners("bwrap")
    except SandboxError:
        return Runners("none")


def self_check(path, limits: Limits = Limits(), out=print, sandbox: str = "auto") -> int:
    """Run the visible tests and print a report; 0 when every question passes, 1 otherwise."""
    ex = exercise_of(path)
    nb, cells = prepare(ex)
    r = runners(sandbox)
    where = "in a bubblewrap sandbox" if r.mode == "bwrap" else "in a plain process (no sandbox)"
    out(f"Checking {path}: pytest + nbval run the tests in a fresh Python, your answer cells in another, "
        f"{where} (limits: {limits.cell_timeout:g} s per cell, {limits.memory_mb} MB).")
    try:
        run = run_notebook(nb, ex.name, limits, cells,
                           r.config(forbidden_names(ex), limits.memory_mb, limits.notebook_timeout))
    finally:
        r.close()
    if run.error:
        out(f"The notebook could not be run: {run.error}\n{run.log[-2000:]}")
        return 2
    missing = {d: f"the notebook has no answer cell '{d}'" for q in ex.questions.values()
               for d in q.depends if d not in ex.answers}
    results = score(ex, missing, run.records, limits)
    width = max(len(q["id"]) for q in results)
    out("")
    for q in results:
        status = "passed" if q["passed"] else "FAILED"
        out(f"  {status}  {q['id']:<{width}}  {_points(q['points'])} point{'s' if q['points'] != 1 else ''}"
            + ("" if q["passed"] else f"\n          {q['message']}"))
    passed = [q for q in results if q["passed"]]
    out("")
    out(f"Visible tests pass for {len(passed)} of {len(results)} questions "
        f"({_points(sum(q['points'] for q in passed))} of {_points(ex.total_points)} points at stake).")
    if any(BEGIN_HIDDEN in ex.nb.cells[q.cell].source for q in ex.questions.values()):
        out("This notebook holds hidden tests (an instructor's copy): they ran too.")
    else:
        out("Hidden tests are not in your notebook, so they did not run: more tests run when your work "
            "is graded, and only your answer cells are taken then.")
    return 0 if len(passed) == len(results) else 1
