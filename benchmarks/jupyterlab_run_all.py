"""Time Run All of every chapter in a real JupyterLab, as a student would run it.

    python benchmarks/jupyterlab_run_all.py [--repeat 2] [--target 8]

Starts JupyterLab on 127.0.0.1 over a scratch copy of the notebooks (the same server the tests in
tests/jupyterlab use), opens each chapter in Chromium, runs all cells and waits until the kernel
is idle with every cell executed. Each chapter runs ``--repeat`` times in a fresh kernel; the table
gives the best and the median seconds against the target, and the machine's load when it started
(other work on the machine slows every run).
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "jupyterlab"))

from conftest import ARGS, CHROMIUM, error_outputs, open_notebook, run_all, start_lab  # noqa: E402


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=2, help="runs per chapter (default 2)")
    parser.add_argument("--target", type=float, default=8.0, help="seconds a chapter's Run All should take (default 8)")
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    chapters = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "chapters").glob("*.ipynb"))
    load = os.getloadavg()[0]
    results: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory() as tmp, start_lab(Path(tmp)) as lab, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        for path in chapters:
            for _ in range(args.repeat):
                context = browser.new_context(viewport={"width": 1280, "height": 900})
                page = context.new_page()
                open_notebook(page, lab, path)
                seconds = run_all(page)
                errors = error_outputs(page)
                if errors:
                    print(f"{path}: Run All gave errors: {errors}", file=sys.stderr)
                    return 1
                results.setdefault(path, []).append(seconds)
                page.evaluate("() => window.jupyterapp.shell.currentWidget.sessionContext.shutdown()")
                context.close()
        browser.close()
    print(f"Run All in JupyterLab, {args.repeat} run(s) per chapter, each in a new kernel "
          f"(load average at start: {load:.1f} on {os.cpu_count()} CPUs)")
    print(f"{'chapter':<40}{'best s':>8}{'median s':>10}{'target s':>10}  ok")
    ok = True
    for path, times in results.items():
        best, median = min(times), statistics.median(times)
        ok &= best <= args.target
        print(f"{Path(path).stem:<40}{best:>8.1f}{median:>10.1f}{args.target:>10.1f}  {'yes' if best <= args.target else 'NO'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
