"""``grade --cluster`` against a real Dask scheduler and worker processes on 127.0.0.1.

Twenty cheap submissions (exercise 01: solution, stub, mistakes) are graded through the cluster
while one of its two workers is killed (SIGKILL) as soon as the first result reaches OUT; every
submission must be graded once and the gradebook must equal a local ``-j 2`` run's. A worker with
another copy of the course is refused, by name.
"""
from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytest.importorskip("distributed", reason="grade --cluster needs Dask distributed: "
                                          "pip install -r requirements-cluster.txt")

from grading_corpus import EXERCISES, ROOT, Case, grade_cmd, normal_cases, write_folder  # noqa: E402

N = 20


def _dask(*args) -> list[str]:
    return [sys.executable, "-m", "distributed.cli.dask_" + args[0], *args[1:]]


def _env(**extra) -> dict:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT)] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]))
    env.update(extra)
    return env


@contextlib.contextmanager
def dask_cluster(base: Path, workers):
    """A `dask scheduler` and one `dask worker` process per (name, env) in `workers`; yields
    (address, {name: Popen})."""
    base.mkdir(parents=True, exist_ok=True)
    info = base / "scheduler.json"
    procs = []
    log = open(base / "dask.log", "wb")
    try:
        sched = subprocess.Popen(_dask("scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                                       "--scheduler-file", str(info)), stdout=log, stderr=log, env=_env(), cwd=base)
        procs.append(sched)
        deadline = time.monotonic() + 60
        while not info.exists() or not info.read_text().strip():
            assert time.monotonic() < deadline and sched.poll() is None, (base / "dask.log").read_text()
            time.sleep(0.1)
        address = json.loads(info.read_text())["address"]
        named = {}
        for name, extra in workers:
            p = subprocess.Popen(_dask("worker", address, "--name", name, "--nthreads", "1", "--no-nanny",
                                       "--no-dashboard", "--host", "127.0.0.1"),
                                 stdout=log, stderr=log, env=_env(**extra), cwd=base)
            procs.append(p)
            named[name] = p
        from distributed import Client

        with Client(address, timeout="30s") as c:
            c.wait_for_workers(len(workers), timeout=60)
        yield address, named
    finally:
        for p in reversed(procs):
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in procs:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        log.close()


def _cases() -> list[Case]:
    base = [c for c in normal_cases() if c.exercise == EXERCISES[0].name]
    return [Case(f"s{k:02d}-{base[k % len(base)].student}", base[k % len(base)].exercise,
                 base[k % len(base)].data, set(base[k % len(base)].fails)) for k in range(N)]


def test_cluster_survives_a_killed_worker_and_matches_a_local_run(tmp_path):
    cases = _cases()
    subs = write_folder(cases, tmp_path / "submissions")
    local = subprocess.run(grade_cmd(subs, tmp_path / "local", "-j", "2", "-q"), capture_output=True, text=True,
                           timeout=600, env=_env())
    assert local.returncode == 0, local.stderr[-3000:]

    out = tmp_path / "out"
    with dask_cluster(tmp_path / "dask", [("w1", {}), ("w2", {})]) as (address, workers):
        grader = subprocess.Popen(grade_cmd(subs, out, "--cluster", address, "-q"), stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True, env=_env())
        deadline = time.monotonic() + 300
        while not list((out / "graded").rglob("*.json")):
            assert grader.poll() is None, grader.communicate()
            assert time.monotonic() < deadline, "no result reached OUT/graded"
            time.sleep(0.05)
        workers["w1"].send_signal(signal.SIGKILL)   # it holds a submission in progress: the window keeps both busy
        workers["w1"].wait()
        stdout, stderr = grader.communicate(timeout=600)
    assert grader.returncode == 0, f"{stdout}\n{stderr[-3000:]}"

    doc = json.loads((out / "results.json").read_text())
    keys = [(r["student"], r["exercise"]) for r in doc["submissions"]]
    assert len(keys) == N and len(set(keys)) == N
    assert len(list((out / "graded").rglob("*.json"))) == N
    assert {r["status"] for r in doc["submissions"]} == {"graded"}
    assert "w2" in {r.get("worker") for r in doc["submissions"]}
    assert (out / "gradebook.csv").read_text() == (tmp_path / "local" / "gradebook.csv").read_text()
    assert f"{N} submissions from {N} students: {N} graded now" in stdout

    again = subprocess.run(grade_cmd(subs, out, "-q"), capture_output=True, text=True, timeout=300, env=_env())
    assert again.returncode == 0 and f"0 graded now, {N} already graded" in again.stdout, again.stdout


def test_a_worker_with_another_course_is_refused_by_name(tmp_path):
    stale = tmp_path / "stale-course"
    shutil.copytree(ROOT / "solutions", stale / "solutions", ignore=shutil.ignore_patterns("mistakes"))
    first = sorted((stale / "solutions").glob("*.ipynb"))[0]
    first.write_bytes(first.read_bytes() + b"\n")
    subs = write_folder(_cases()[:2], tmp_path / "submissions")
    with dask_cluster(tmp_path / "dask", [("good-worker", {}),
                                          ("stale-worker", {"LCB_COURSE_ROOT": str(stale)})]) as (address, _):
        proc = subprocess.run(grade_cmd(subs, tmp_path / "out", "--cluster", address, "-q"), capture_output=True,
                              text=True, timeout=300, env=_env())
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "stale-worker" in proc.stderr and "different course source" in proc.stderr, proc.stderr
    assert "good-worker" not in proc.stderr
    assert not (tmp_path / "out" / "graded").exists()


def test_cluster_address_that_answers_nothing_is_a_clear_error(tmp_path):
    subs = write_folder(_cases()[:1], tmp_path / "submissions")
    proc = subprocess.run(grade_cmd(subs, tmp_path / "out", "--cluster", "local:zero", "-q"), capture_output=True,
                          text=True, timeout=120, env=_env())
    assert proc.returncode == 2 and "local:N" in proc.stderr, proc.stderr


def test_fingerprint_of_a_worker_with_the_same_course_matches(tmp_path, monkeypatch):
    from book.grading.cluster import fingerprint, mismatch
    from book.grading.grade import Course

    copy = tmp_path / "course"
    shutil.copytree(ROOT / "solutions", copy / "solutions", ignore=shutil.ignore_patterns("mistakes"))
    monkeypatch.setenv("LCB_COURSE_ROOT", str(copy))
    worker = fingerprint()
    grader = dict(worker, course=Course.load(ROOT).course_sha256)
    assert worker["course"] is not None and mismatch(grader, worker, "bwrap") == []
    assert mismatch(grader, dict(worker, book="0.0.1"), "bwrap") == [
        f"book version '0.0.1', the grader has {grader['book']!r}"]
    assert "bubblewrap" in mismatch(grader, dict(worker, bwrap=False), "bwrap")[0]
    assert mismatch(grader, dict(worker, bwrap=False), "none") == []
    assert "grader code" in mismatch(grader, dict(worker, grader_code="0" * 64), "bwrap")[0]
