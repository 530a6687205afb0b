"""Variants of an exercise's solution notebook, for the tests (and benchmarks) that grade or run them:
its hidden-test blocks and marker-free sources, the notebook with answers stubbed or replaced, and the
exercise's listed common mistakes (solutions/mistakes/<name>.py) put into it."""
from __future__ import annotations

import copy
import importlib.util

import nbformat

from book.grading.spec import (BEGIN_HIDDEN, END_HIDDEN, MARKERS, Exercise, ExerciseError, _blocks,
                               stub_source)


def hidden_blocks(source) -> list[str]:
    """The text of each hidden-test block of a test cell."""
    lines = source.splitlines()
    return ["\n".join(lines[a + 1: b]) for a, b in _blocks(lines, BEGIN_HIDDEN, END_HIDDEN, "")]


def strip_markers(source) -> str:
    """The source with marker lines removed (what actually runs in the instructor's copy)."""
    return "\n".join(line for line in source.splitlines() if line.strip() not in MARKERS)


def with_answers(ex: Exercise, replace: dict[str, str]) -> nbformat.NotebookNode:
    """A copy of the solution notebook with some answer cells' sources replaced."""
    nb = copy.deepcopy(ex.nb)
    for cid, source in replace.items():
        nb.cells[ex.answers[cid]].source = source
    return nb


def stubbed(ex: Exercise, ids=None) -> nbformat.NotebookNode:
    """The solution notebook with the given answers (all by default) replaced by their stubs."""
    ids = list(ex.answers) if ids is None else list(ids)
    return with_answers(ex, {cid: stub_source(cid, ex.nb.cells[ex.answers[cid]].source) for cid in ids})


def load_mistakes(ex: Exercise) -> list[dict]:
    """The exercise's listed common mistakes, from solutions/mistakes/<name>.py ([] if none)."""
    path = ex.path.parent / "mistakes" / f"{ex.name}.py"
    if not path.exists():
        return []
    spec = importlib.util.spec_from_file_location(f"_mistakes_{ex.name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return list(module.MISTAKES)


def mistaken(ex: Exercise, mistake: dict) -> nbformat.NotebookNode:
    """The solution notebook with one common mistake put into its answer."""
    cid = mistake["answer"]
    if cid not in ex.answers:
        raise ExerciseError(f"mistake {mistake['name']!r}: no answer cell '{cid}' in {ex.path}.")
    source = ex.nb.cells[ex.answers[cid]].source
    if "source" in mistake:
        new = mistake["source"]
    else:
        old, repl = mistake["replace"]
        if source.count(old) != 1:
            raise ExerciseError(f"mistake {mistake['name']!r}: {old!r} occurs {source.count(old)} times "
                                f"in answer '{cid}', it must occur exactly once.")
        new = source.replace(old, repl)
    return with_answers(ex, {cid: new})
