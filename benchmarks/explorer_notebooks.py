"""The explorers in Jupyter: how long Run All takes per chapter, how much of it the explorer cells
take, and how many bytes the explorers add to a saved notebook.

    python benchmarks/explorer_notebooks.py

Each chapter is executed once with nbclient (a fresh kernel, as Run All does; widget state stored
in the notebook as JupyterLab does with "Save widget state" on). Prints seconds per chapter (the
kernel's start excluded), the kernel's CPU seconds over the same cells (on a loaded machine the
wall time grows, the CPU time much less), the seconds of the explorer cells, and the explorers'
bytes (their outputs plus the widget state) per explorer. Targets: Run All <= 8 s, <= 50 KB per explorer.
"""
from __future__ import annotations

import json
import os
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
VIEW = "application/vnd.jupyter.widget-view+json"


def run(path: Path):
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}},
                            store_widget_state=True)
    times = []
    probe = nbformat.v4.new_code_cell("import time as _bench_time\nprint(repr(_bench_time.process_time()))")
    with client.setup_kernel():
        client.execute_cell(probe, 0)
        cpu0 = float(probe.outputs[0]["text"])
        t0 = time.perf_counter()
        for i, cell in enumerate(nb.cells):
            if cell.cell_type != "code":
                continue
            t = time.perf_counter()
            client.execute_cell(cell, i)
            times.append((time.perf_counter() - t, cell))
        total = time.perf_counter() - t0
        client.execute_cell(probe, 0)
        cpu = float(probe.outputs[0]["text"]) - cpu0
        client.set_widgets_metadata()
    explorer = [(s, c) for s, c in times if any(VIEW in o.get("data", {}) for o in c.get("outputs", []))]
    added = sum(len(json.dumps(o)) for _, c in explorer for o in c.outputs)
    added += len(json.dumps(nb.metadata.get("widgets", {})))
    slowest = sorted(times, key=lambda t: -t[0])[:3]
    return total, cpu, sum(s for s, _ in explorer), len(explorer), added, slowest


def main():
    os.environ.pop("LCB_BOOK_BUILD", None)      # as a student's Jupyter: no book face in the outputs
    os.environ.setdefault("PYTHONPATH", str(ROOT))
    print(f"{'chapter':30s} {'Run All s':>9s} {'CPU s':>6s} {'explorer cells s':>16s} {'explorers':>9s} {'KB each':>8s}")
    for path in sorted((ROOT / "chapters").glob("*.ipynb")):
        total, cpu, ex_s, n, added, slowest = run(path)
        print(f"{path.stem:30s} {total:9.1f} {cpu:6.1f} {ex_s:16.2f} {n:9d} {added / 1e3 / max(n, 1):8.1f}")
        for sec, cell in slowest:
            first = next((ln for ln in cell.source.splitlines() if ln.strip() and not ln.startswith("#")), "")
            print(f"{'':32s}slowest cells: {sec:5.1f} s  {first[:70]}")
    print("targets: Run All <= 8 s per chapter on 2 cores; <= 50 KB per explorer")


if __name__ == "__main__":
    main()
