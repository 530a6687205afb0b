"""Two graded corpora per test session, each graded by one run of the real command.

* ``normal_run``: every exercise's solution, released stub and listed mistakes, as a folder per
  student, graded with ``-j 2`` and the default limits;
* ``hostile_run``: the broken and hostile notebooks over every exercise, as a flat folder (with a
  fifo, a device node, symbolic links and odd student names among them), graded with ``-j 2`` and
  a short time limit per call;
* ``zip_run``: a .zip with traversal, a bomb, a corrupt member, clashes and a link among its members,
  and one honest notebook, graded with ``-j 2``.
"""
from __future__ import annotations

import json
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from grading_corpus import (HOSTILE_TIMEOUT, grade_cmd, hostile_cases, normal_cases, snapshot, special_cases,
                            write_flat, write_folder, write_zip_attacks, zip_cases)


@dataclass
class Run:
    cases: list
    submissions: Path
    out: Path
    proc: subprocess.CompletedProcess
    results: dict
    seconds: float
    before: dict  # file -> (bytes, mtime) before grading


def _run(cases, submissions, out, *extra) -> Run:
    before = snapshot(submissions.parent if submissions.is_file() else submissions)
    started = time.monotonic()
    proc = subprocess.run(grade_cmd(submissions, out, "-j", "2", "-q", *extra), capture_output=True, text=True,
                          timeout=1200)
    seconds = time.monotonic() - started
    assert proc.returncode == 0, f"grade exited {proc.returncode}:\n{proc.stdout}\n{proc.stderr[-4000:]}"
    doc = json.loads((out / "results.json").read_text())
    results = {(r["student"], r["exercise"]): r for r in doc["submissions"]}
    return Run(cases, submissions, out, proc, results, seconds, before)


@pytest.fixture(scope="session")
def normal_run(tmp_path_factory) -> Run:
    base = tmp_path_factory.mktemp("normal")
    cases = normal_cases()
    return _run(cases, write_folder(cases, base / "submissions"), base / "out")


@pytest.fixture(scope="session")
def hostile_run(tmp_path_factory) -> Run:
    base = tmp_path_factory.mktemp("hostile")
    cases = hostile_cases() + special_cases()
    folder = write_flat(cases, base / "in")
    return _run(cases, folder, base / "out", "--timeout", str(HOSTILE_TIMEOUT))


@pytest.fixture(scope="session")
def zip_run(tmp_path_factory) -> Run:
    base = tmp_path_factory.mktemp("zip")
    (base / "in").mkdir()
    archive = write_zip_attacks(base / "in" / "class-export.zip")
    return _run(zip_cases(), archive, base / "out")
