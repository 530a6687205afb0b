"""Run notebooks, and keep the outputs nbval checks.

``python -m book.notebooks refresh chapters/*.ipynb`` executes each notebook in its own folder and
stores the outputs of the cells whose printed numbers matter (those marked ``# NBVAL_CHECK_OUTPUT``);
every other output is dropped, so the committed notebook stays small and its diff readable. nbval
(``pytest``) then re-executes the notebook and compares those cells' text with what is stored.
"""
from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbclient import NotebookClient

CHECK_MARK = "NBVAL_CHECK_OUTPUT"
TEXT_MIMES = ("text/plain",)


@dataclass
class CellResult:
    index: int
    ok: bool
    error: str  # "ename: evalue" of the error, "" when ok


def execute(nb, cwd=".", timeout=120, allow_errors=True) -> nbformat.NotebookNode:
    """Execute a notebook (a copy) with a fresh python3 kernel in folder ``cwd``; return it."""
    nb = nbformat.from_dict(nbformat.from_dict(nb))  # copy
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3", allow_errors=allow_errors,
                            resources={"metadata": {"path": str(cwd)}}, record_timing=False)
    client.execute()
    return nb


def cell_results(nb) -> list[CellResult]:
    """For each code cell of an executed notebook: did it raise?"""
    out = []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
        msg = f"{errors[0].get('ename')}: {errors[0].get('evalue')}" if errors else ""
        out.append(CellResult(i, not errors, msg))
    return out


def _keep(output) -> bool:
    if output.get("output_type") == "stream":
        return output.get("name") == "stdout"
    if output.get("output_type") in ("execute_result", "display_data"):
        return set(output.get("data", {})) <= set(TEXT_MIMES)
    return False


def refresh(path, timeout=120) -> Path:
    """Execute a chapter and store only the text outputs of its NBVAL_CHECK_OUTPUT cells."""
    path = Path(path)
    nb = nbformat.read(path, as_version=4)
    done = execute(nb, cwd=path.parent, timeout=timeout, allow_errors=False)
    count = 0  # nbval rejects a cell that has outputs but no execution count
    for cell, ran in zip(nb.cells, done.cells):
        if cell.cell_type != "code":
            continue
        if CHECK_MARK in cell.source:
            cell.outputs = [o for o in ran.outputs if _keep(o)]
            for o in cell.outputs:
                if "execution_count" in o:
                    o["execution_count"] = None
                o.pop("metadata", None) if o.get("output_type") == "stream" else None
        else:
            cell.outputs = []
        count += bool(cell.outputs)
        cell.execution_count = count if cell.outputs else None
        cell.metadata.pop("execution", None)
    nb.metadata.pop("widgets", None)
    nbformat.write(nb, path)
    return path


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m book.notebooks", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("refresh", help="execute notebooks and store the outputs nbval checks")
    p.add_argument("paths", nargs="+")
    p.add_argument("--timeout", type=int, default=120, help="seconds per cell (default 120)")
    args = parser.parse_args(argv)
    for path in args.paths:
        refresh(path, timeout=args.timeout)
        print(f"refreshed {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
