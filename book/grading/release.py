"""Release: write exercises/ from solutions/.

``python -m book.grading release`` turns every ``solutions/NN_name.ipynb`` into
``exercises/NN_name.ipynb``: solutions become stubs that raise ``NotImplementedError``, hidden
tests are removed, outputs and execution counts are cleared, and only the metadata grading needs
is kept. It writes what Jupyter itself would save, so a student's JupyterLab or Notebook 7 opens
the notebook unmodified: nbformat's normal form (``nbformat.writes`` plus a final newline, as
Jupyter's server writes it), whole points as integers, and the metadata the standard ``python3``
kernel reports (kernelspec "Python 3 (ipykernel)" and its ``language_info``, whose ``version`` is
the Python that runs the release; ``--check`` accepts another Python's version there). All sources are validated before anything is written: a malformed source stops the
release with a message naming file and cell, and writes nothing.

``python -m book.grading release --check`` writes nothing; it exits non-zero and names the file
and cell where exercises/ differs from what the release would write.
"""
from __future__ import annotations

import json
from pathlib import Path

import nbformat

from .._files import atomic_write
from ..notebooks import kernel_metadata
from .spec import ExerciseError, parse_exercise, solution_files, stub_source, visible_source

KEEP_CELL_METADATA = ("grading", "tags")


def _whole(value):
    """Integral floats as ints (10.0 -> 10), as JavaScript, and so Jupyter, writes them."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: _whole(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_whole(v) for v in value]
    return value


def release_notebook(ex) -> nbformat.NotebookNode:
    """The student's notebook for one parsed exercise."""
    nb = nbformat.v4.new_notebook()
    nb.metadata = dict(kernel_metadata(), grading=_whole({"exercise": ex.name, "total_points": ex.total_points}))
    for i, cell in enumerate(ex.nb.cells):
        where = f"{ex.path}, cell {i}"
        meta = _whole({k: cell.metadata[k] for k in KEEP_CELL_METADATA if k in cell.metadata})
        kind = meta.get("grading", {}).get("kind")
        source = cell.source
        if kind == "answer":
            source = stub_source(meta["grading"]["id"], source, where)
        elif kind == "test":
            source = visible_source(source, where)
        if cell.cell_type == "code":
            new = nbformat.v4.new_code_cell(source, metadata=meta)
        elif cell.cell_type == "markdown":
            new = nbformat.v4.new_markdown_cell(source, metadata=meta)
        else:
            new = nbformat.v4.new_raw_cell(source, metadata=meta)
        new.id = cell.get("id") or f"cell-{i}"
        nb.cells.append(new)
    return nb


def render(nb) -> str:
    return nbformat.writes(nb) + "\n"


def same_release(have: str, want: str) -> bool:
    """Is ``have`` (a file's text) what the release writes, up to the Python version it ran on?"""
    if have == want:
        return True
    try:
        version = json.loads(have)["metadata"]["language_info"]["version"]
    except (ValueError, KeyError, TypeError):
        return False
    nb = nbformat.reads(want, as_version=4)
    nb.metadata.language_info["version"] = version
    return have == render(nb)


def plan(root) -> dict[Path, str]:
    """Validate every source and return {exercise path: text}; raise ExerciseError on bad input."""
    root = Path(root)
    sources = solution_files(root)
    if not sources:
        raise ExerciseError(f"no exercise sources found: expected solutions/NN_name.ipynb under {root.resolve()}.")
    return {root / "exercises" / src.name: render(release_notebook(parse_exercise(src))) for src in sources}


def stale(root, planned) -> list[Path]:
    """Exercise notebooks with no source in solutions/."""
    return sorted(p for p in Path(root, "exercises").glob("*.ipynb") if p not in planned)


def release(root=".") -> list[Path]:
    """Write exercises/ from solutions/; remove exercise notebooks whose source is gone."""
    planned = plan(root)
    for path, text in planned.items():
        if not path.exists() or not same_release(path.read_text(encoding="utf-8"), text):
            atomic_write(path, text)
    for path in stale(root, planned):
        path.unlink()
    return list(planned)


def _first_difference(path: Path, text: str) -> str:
    try:
        have = nbformat.reads(path.read_text(encoding="utf-8"), as_version=4)
    except Exception:
        return f"{path}: is not a readable notebook"
    want = nbformat.reads(text, as_version=4)
    if len(have.cells) != len(want.cells):
        return f"{path}: has {len(have.cells)} cells, the release writes {len(want.cells)}"
    for i, (a, b) in enumerate(zip(have.cells, want.cells)):
        for key in ("cell_type", "source", "metadata", "outputs"):
            if a.get(key) != b.get(key):
                return f"{path}, cell {i}: its {key} differs from what the release writes"
    return f"{path}: its notebook metadata or formatting differs from what the release writes"


def out_of_date(root=".") -> list[str]:
    """How exercises/ differs from what the release would write ([] when none); what
    ``release --check`` reports."""
    planned = plan(root)
    problems = []
    for path, text in planned.items():
        if not path.exists():
            problems.append(f"{path}: missing")
        elif not same_release(path.read_text(encoding="utf-8"), text):
            problems.append(_first_difference(path, text))
    problems += [f"{p}: has no source in solutions/" for p in stale(root, planned)]
    return problems
