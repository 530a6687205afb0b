"""Run notebooks, and keep the outputs nbval checks and the numbers the text quotes.

``python -m book.notebooks refresh chapters/*.ipynb`` executes each notebook in its own folder and
stores the outputs of the cells whose printed numbers matter (those tagged ``nbval-check-output``);
every other output is dropped, so the committed notebook stays small and its diff readable. nbval
(``pytest``) then re-executes the notebook and compares those cells' text with what is stored.

It also evaluates each markdown cell's ``{eval}`` expressions at that point of the run and stores
the results in the cell's ``user_expressions`` metadata, the form jupyterlab-myst saves: JupyterLab
then shows the computed numbers in the text as soon as the chapter opens, before it has run.
"""
from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.util import run_sync

CHECK_TAG = "nbval-check-output"
TEXT_MIMES = ("text/plain",)
EVAL_ROLE = re.compile(r"\{eval\}`([^`]+)`")


@dataclass
class CellResult:
    index: int
    ok: bool
    error: str  # "ename: evalue" of the error, "" when ok


def execute(nb, cwd=".", timeout=120, allow_errors=True, expressions=False) -> nbformat.NotebookNode:
    """Execute a notebook (a copy) with a fresh python3 kernel in folder ``cwd``; return it.

    With ``expressions``, each markdown cell's ``{eval}`` expressions are evaluated where the cell
    stands (after the code above it, before the code below) and stored in its ``user_expressions``
    metadata; an expression that fails raises ``RuntimeError`` naming the cell and the error.
    """
    nb = nbformat.from_dict(nbformat.from_dict(nb))  # copy
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3", allow_errors=allow_errors,
                            resources={"metadata": {"path": str(cwd)}}, record_timing=False)
    with client.setup_kernel():
        for index, cell in enumerate(nb.cells):
            if cell.cell_type == "code":
                client.execute_cell(cell, index)
            elif cell.cell_type == "markdown" and expressions:
                found = list(dict.fromkeys(EVAL_ROLE.findall(cell.source)))
                if found:
                    cell.metadata["user_expressions"] = _evaluate(client, found, index, timeout)
                else:
                    cell.metadata.pop("user_expressions", None)
    return nb


def _evaluate(client, expressions, index, timeout) -> list[dict]:
    """Evaluate expressions in the client's kernel; jupyterlab-myst's ``user_expressions`` list."""
    msg_id = client.kc.execute("", silent=True, store_history=False,
                               user_expressions={str(i): e for i, e in enumerate(expressions)})
    while True:
        reply = run_sync(client.kc.get_shell_msg)(timeout=timeout)
        if reply["parent_header"].get("msg_id") == msg_id:
            break
    results = reply["content"].get("user_expressions", {})
    stored = []
    for i, expression in enumerate(expressions):
        result = results.get(str(i), {"status": "error", "ename": "NoResult", "evalue": ""})
        if result.get("status") != "ok":
            raise RuntimeError(f"cell {index}: {{eval}}`{expression}` failed: "
                               f"{result.get('ename')}: {result.get('evalue')}")
        stored.append({"expression": expression,
                       "result": {"data": result.get("data", {}), "metadata": result.get("metadata", {}),
                                  "status": "ok"}})
    return stored


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
    """Execute a chapter; store the text outputs of its cells tagged ``nbval-check-output`` and
    the results of its ``{eval}`` expressions."""
    path = Path(path)
    nb = nbformat.read(path, as_version=4)
    done = execute(nb, cwd=path.parent, timeout=timeout, allow_errors=False, expressions=True)
    count = 0  # nbval rejects a cell that has outputs but no execution count
    for cell, ran in zip(nb.cells, done.cells):
        if cell.cell_type == "markdown":
            if "user_expressions" in ran.metadata:
                cell.metadata["user_expressions"] = ran.metadata["user_expressions"]
            else:
                cell.metadata.pop("user_expressions", None)
        if cell.cell_type != "code":
            continue
        if CHECK_TAG in cell.metadata.get("tags", []):
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
    p = sub.add_parser("refresh", help="execute notebooks; store the outputs nbval checks and the text's numbers")
    p.add_argument("paths", nargs="+")
    p.add_argument("--timeout", type=int, default=120, help="seconds per cell (default 120)")
    args = parser.parse_args(argv)
    for path in args.paths:
        refresh(path, timeout=args.timeout)
        print(f"refreshed {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
