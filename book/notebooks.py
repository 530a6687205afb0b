"""Run notebooks, and keep the outputs nbval checks and the numbers the text quotes.

``python -m book.notebooks refresh chapters/*.ipynb`` executes each notebook in its own folder and
stores the outputs of the cells whose printed numbers matter (those tagged ``nbval-check-output``);
every other output is dropped, so the committed notebook stays small and its diff readable. nbval
(``pytest``) then re-executes the notebook and compares those cells' text with what is stored.

Refresh also evaluates each markdown cell's ``{eval}`` expressions at that point of the run and stores
the results in the cell's ``user_expressions`` metadata, the form jupyterlab-myst saves: JupyterLab
then shows the computed numbers in the text as soon as the chapter opens, before it has run.

``python -m book.notebooks install-cell chapters/*.ipynb`` writes each chapter's first code cell,
which installs the course's package where it is missing (Google Colab, any fresh environment) from
the repository and ref set in _config.yml (``repository.url`` and ``repository.branch``, the same
the launch buttons use); where ``book`` is importable it does nothing.
"""
from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.util import run_sync

CHECK_TAG = "nbval-check-output"
INSTALL_CELL_ID = "install-book"
INSTALL_CELL = """\
# Where the course's package `book` is missing (Google Colab, a fresh environment), install it from
# the course's repository, at the version these notebooks belong to. Elsewhere this does nothing.
import importlib.util, subprocess, sys

if importlib.util.find_spec("book") is None:
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "{requirement}"], check=True)\
"""
TEXT_MIMES = ("text/plain",)
EVAL_ROLE = re.compile(r"\{eval\}`([^`]+)`")


def kernel_metadata() -> dict:
    """The notebook metadata Jupyter writes for the standard ``python3`` kernel of this Python:
    kernelspec "Python 3 (ipykernel)" and the ``language_info`` the kernel reports. A notebook
    that carries exactly these opens unmodified in JupyterLab and Notebook 7."""
    from ipykernel.ipkernel import IPythonKernel
    from ipykernel.kernelspec import get_kernel_dict

    spec = get_kernel_dict()
    return {"kernelspec": {"display_name": spec["display_name"], "language": spec["language"], "name": "python3"},
            "language_info": dict(IPythonKernel.language_info)}


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
    nb.metadata.update(kernel_metadata())
    nbformat.write(nb, path)
    return path


def install_requirement(config_path) -> str:
    """pip's requirement for the course's package at the ref the book's launch buttons open."""
    import yaml

    config = yaml.safe_load(Path(config_path).read_text(encoding="utf-8")) or {}
    repo = config.get("repository") or {}
    url, ref = str(repo.get("url", "")).rstrip("/"), str(repo.get("branch", "")).strip()
    if not url.startswith("https://") or not ref:
        raise ValueError(f"{config_path}: set repository.url (https://...) and repository.branch (the branch "
                         f"or release tag the launch buttons open); found url={url!r}, branch={ref!r}")
    name = "lcb-book"
    return f"{name} @ git+{url}.git@{ref}" if not url.endswith(".git") else f"{name} @ git+{url}@{ref}"


def install_cell_source(config_path) -> str:
    return INSTALL_CELL.format(requirement=install_requirement(config_path))


def install_cell(path, config_path) -> bool:
    """Make the notebook's first code cell the install cell (hidden from the book); True if changed."""
    path = Path(path)
    nb = nbformat.read(path, as_version=4)
    source = install_cell_source(config_path)
    existing = [c for c in nb.cells if c.get("id") == INSTALL_CELL_ID]
    if existing:
        cell = existing[0]
        if cell.source == source:
            return False
        cell.source = source
    else:
        cell = nbformat.v4.new_code_cell(source, metadata={"tags": ["remove-cell"]})
        cell.id = INSTALL_CELL_ID
        first_code = next((i for i, c in enumerate(nb.cells) if c.cell_type == "code"), len(nb.cells))
        nb.cells.insert(first_code, cell)
    nbformat.write(nb, path)
    return True


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m book.notebooks", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("refresh", help="execute notebooks; store the outputs nbval checks and the text's numbers")
    p.add_argument("paths", nargs="+")
    p.add_argument("--timeout", type=int, default=120, help="seconds per cell (default 120)")
    p = sub.add_parser("install-cell", help="write the first code cell that installs `book` where it is missing")
    p.add_argument("paths", nargs="+")
    p.add_argument("--config", default="_config.yml", help="the book's _config.yml (default: ./_config.yml)")
    args = parser.parse_args(argv)
    if args.command == "install-cell":
        for path in args.paths:
            print(f"{'wrote' if install_cell(path, args.config) else 'unchanged'} {path}")
        return 0
    for path in args.paths:
        refresh(path, timeout=args.timeout)
        print(f"refreshed {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
