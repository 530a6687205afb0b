"""How fast does ``python -m book.grading grade`` go, against the bare cost of running the notebooks?

    python benchmarks/grade_speed.py [--n 8] [--exercise 01] [--repeat 1]
    python benchmarks/grade_speed.py --cluster [--n 8]

With ``--cluster`` (needs ``pip install -r requirements-cluster.txt``) it measures instead
``grade --cluster`` against a Dask cluster of 1 and of 2 worker processes on this machine (each
cluster started before its run is timed, one thread per worker) and ``grade -j 2``, and prints the
throughput of 2 workers over 1 (target at least 1.7 on 2 cores) and the overhead per submission of
the cluster run (2 workers) over ``-j 2``.

Makes N copies of one student's submission (the exercise's solution written into the released
notebook), then measures:

* the floor: executing the same notebook bare (the instructor's notebook with that student's
  answers written in, one process) N times, one after the other, with nbclient and a fresh kernel
  each time, with the grader's thread settings; no pytest, no second process, no sandbox, no limits;
* ``grade -j 1`` and ``grade -j 2`` on the N copies (the whole command, from a fresh OUT): the
  tests in a trusted kernel under pytest + nbval, the answers in a bubblewrap sandbox.

It prints each submission's grading time (from results.json of the ``-j 1`` run) against the
floor's time per notebook, submissions per minute for each run, the grading overhead (``-j 1``
time per submission over the floor's), and the speed-up of ``-j 2`` over ``-j 1``. Targets:
overhead at most 1.5, speed-up at least 1.7 on 2 cores. Wall-clock figures depend on what else the
machine is doing; the load average before and after and the CPU time of each run are printed too.
"""
from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))  # exercise_variants: the tests' notebook variants

import json  # noqa: E402

from book.grading.release import release_notebook  # noqa: E402
from book.grading.spec import parse_exercise, solution_files  # noqa: E402
from exercise_variants import strip_markers, with_answers  # noqa: E402

THREADS = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "MPLBACKEND": "Agg"}


def cpu_children() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def student_notebook(ex):
    nb = release_notebook(ex)
    for cid, i in ex.answers.items():
        nb.cells[i].source = strip_markers(ex.nb.cells[i].source)
    return nb


def floor(nb, n: int) -> tuple[float, float]:
    """Seconds to execute `nb` n times with nbclient (fresh kernel each), and CPU seconds used."""
    from nbclient import NotebookClient

    os.environ.update(THREADS)
    work = Path(tempfile.mkdtemp(prefix="floor-"))
    try:
        cpu0, t0 = cpu_children(), time.perf_counter()
        for _ in range(n):
            NotebookClient(nbformat.from_dict(nb), kernel_name="python3", timeout=600, allow_errors=True,
                           resources={"metadata": {"path": str(work)}}).execute()
        return time.perf_counter() - t0, cpu_children() - cpu0
    finally:
        shutil.rmtree(work, ignore_errors=True)


def grade(submissions: Path, jobs: int, per_sub: dict | None = None, extra=()) -> tuple[float, float]:
    out = Path(tempfile.mkdtemp(prefix="grade-out-"))
    try:
        cmd = [sys.executable, "-m", "book.grading", "grade", str(submissions), "--out", str(out), "-j", str(jobs),
               "-q", "--root", str(ROOT), *extra]
        cpu0, t0 = cpu_children(), time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, text=True)
        seconds, cpu = time.perf_counter() - t0, cpu_children() - cpu0
        if proc.returncode != 0:
            raise SystemExit(f"grade failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr[-3000:]}")
        doc = json.loads((out / "results.json").read_text())
        if not all(r["score"] == r["max"] for r in doc["submissions"]):
            raise SystemExit("grade did not give the solution full marks")
        if per_sub is not None:
            per_sub.update({r["student"]: r["seconds"] for r in doc["submissions"]})
        return seconds, cpu
    finally:
        shutil.rmtree(out, ignore_errors=True)


def grade_on_cluster(submissions: Path, workers: int) -> tuple[float, float]:
    """`grade --cluster` on a local Dask cluster of `workers` processes, started before the clock."""
    from distributed import LocalCluster

    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None, silence_logs=40) as cluster:
        return grade(submissions, 1, extra=("--cluster", cluster.scheduler_address))


def cluster_main(ex, subs: Path, n: int, repeat: int) -> int:
    runs = {"cluster, 1 worker": lambda: grade_on_cluster(subs, 1),
            "cluster, 2 workers": lambda: grade_on_cluster(subs, 2),
            "grade -j 2": lambda: grade(subs, 2)}
    load0 = os.getloadavg()[0]
    measured = {name: [] for name in runs}
    for _ in range(max(1, repeat)):
        for name, fn in runs.items():
            measured[name].append(fn())
    results = {name: min(m, key=lambda r: r[0]) for name, m in measured.items()}
    print(f"{ex.name}: {n} copies of one submission, {os.cpu_count()} CPUs, Python {sys.version.split()[0]}, "
          f"load average {load0:.1f} before, {os.getloadavg()[0]:.1f} after")
    print("(CPU s counts the grader's own child processes: for the cluster runs the workers' CPU is not in it)")
    print(f"{'run':<20}{'wall s':>9}{'CPU s':>9}{'per sub s':>11}{'subs/min':>10}")
    for name, (seconds, cpu) in results.items():
        print(f"{name:<20}{seconds:>9.1f}{cpu:>9.1f}{seconds / n:>11.2f}{60 * n / seconds:>10.1f}")
    one, two, local = (results[k][0] for k in runs)
    speedup = one / two
    print(f"throughput of 2 workers over 1: {speedup:.2f}x (target >= 1.7 on 2 cores)"
          f"{'' if speedup >= 1.7 else '  MISSED'}")
    print(f"overhead per submission, cluster (2 workers) over grade -j 2: {(two - local) / n:+.2f} s "
          f"({two / local:.2f}x)")
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=8, help="copies of the submission (default 8)")
    parser.add_argument("--exercise", default=None, help="exercise number or name (default: the first)")
    parser.add_argument("--repeat", type=int, default=2, help="repeat each measurement, keep the fastest (default 2)")
    parser.add_argument("--cluster", action="store_true",
                        help="measure grade --cluster with 1 and 2 local Dask workers against grade -j 2")
    args = parser.parse_args(argv)
    files = solution_files(ROOT)
    path = next((p for p in files if args.exercise in (None, p.stem, p.stem[:2])), None)
    if path is None:
        raise SystemExit(f"no exercise {args.exercise!r} under {ROOT / 'solutions'}")
    ex = parse_exercise(path)
    tmp = Path(tempfile.mkdtemp(prefix="grade-speed-"))
    try:
        one = tmp / "one.ipynb"
        nbformat.write(student_notebook(ex), one)
        bare = with_answers(ex, {cid: strip_markers(ex.nb.cells[i].source) for cid, i in ex.answers.items()})
        subs = tmp / "submissions"
        for k in range(args.n):
            (subs / f"student{k:03d}").mkdir(parents=True)
            shutil.copy(one, subs / f"student{k:03d}" / f"{ex.name}.ipynb")
        if args.cluster:
            return cluster_main(ex, subs, args.n, args.repeat)
        per_run: list[dict] = []
        load0 = os.getloadavg()[0]

        def graded_j1():
            per_run.append({})
            seconds, cpu = grade(subs, 1, per_run[-1])
            return seconds, cpu, len(per_run) - 1

        runs = {"floor (nbclient)": lambda: floor(bare, args.n),
                "grade -j 1": graded_j1,
                "grade -j 2": lambda: grade(subs, 2)}
        measured = {name: [] for name in runs}
        for _ in range(max(1, args.repeat)):  # interleaved, so that a busy spell hits every run alike
            for name, fn in runs.items():
                measured[name].append(fn())
        results = {name: min(m, key=lambda r: r[0]) for name, m in measured.items()}
        print(f"{ex.name}: {args.n} copies of one submission, {os.cpu_count()} CPUs, Python {sys.version.split()[0]}, "
              f"load average {load0:.1f} before, {os.getloadavg()[0]:.1f} after")
        floor_each = results["floor (nbclient)"][0] / args.n
        per_sub = per_run[results["grade -j 1"][2]]
        print(f"{'submission':<14}{'graded s':>10}{'bare s':>9}{'ratio':>8}   (the -j 1 run kept below)")
        for student, seconds in sorted(per_sub.items()):
            print(f"{student:<14}{seconds:>10.2f}{floor_each:>9.2f}{seconds / floor_each:>8.2f}")
        print(f"{'run':<18}{'wall s':>9}{'CPU s':>9}{'per sub s':>11}{'subs/min':>10}")
        for name, (seconds, cpu, *_) in results.items():
            print(f"{name:<18}{seconds:>9.1f}{cpu:>9.1f}{seconds / args.n:>11.2f}{60 * args.n / seconds:>10.1f}")
        floor_s, j1, j2 = results["floor (nbclient)"][0], results["grade -j 1"][0], results["grade -j 2"][0]
        overhead, speedup = j1 / floor_s, j1 / j2
        print(f"grading overhead, -j 1 over the floor: {overhead:.2f}x (target <= 1.5)"
              f"{'' if overhead <= 1.5 else '  MISSED'}")
        print(f"speed-up of -j 2 over -j 1: {speedup:.2f}x (target >= 1.7 on 2 cores)"
              f"{'' if speedup >= 1.7 else '  MISSED'}")
        return 0
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
