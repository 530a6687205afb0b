"""Run one trusted notebook under pytest + nbval, bounded, and report every code cell's outcome.

The notebook's first cell (added here) starts the answer process (:mod:`book.grading.channel`),
which runs the student's answer cells in the sandbox; the kernel nbval drives runs only the
instructor's cells. Each run is a fresh ``python -m pytest --nbval-lax`` process in a new temporary folder outside
the course, with its own process group. Limits:

* ``cell_timeout``: nbval interrupts a cell after that many seconds (``--nbval-cell-timeout``);
* ``notebook_timeout``: the whole notebook, all passes together; at the limit the process group
  and the kernel are killed;
* ``memory_mb``: the address-space limit (``RLIMIT_AS``) of pytest and of the kernel it starts;
* ``output_cap``: bytes of output kept per cell; pytest's own output is read with a cap too.

When a cell kills the kernel (``os._exit``, a signal, a crash) or cannot be interrupted, the cells
after it cannot run in that kernel. The runner then runs the notebook again in a new process with
that cell replaced by a comment, keeping the cell's outcome from the run where it happened; so a
student loses what depends on that cell and nothing else.
"""
from __future__ import annotations

import atexit
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

import book

FATAL = ("kernel_died", "stuck")
PIPE_KEEP = 64_000
_running: set[int] = set()  # process groups of the runs in progress
_running_lock = threading.Lock()
_stopping = threading.Event()


@dataclass(frozen=True)
class Limits:
    cell_timeout: float = 60.0
    notebook_timeout: float = 600.0
    memory_mb: int = 2048
    output_cap: int = 1_000_000

    def describe(self) -> dict:
        return {"cell_timeout_s": self.cell_timeout, "notebook_timeout_s": self.notebook_timeout,
                "memory_mb": self.memory_mb, "output_cap_bytes": self.output_cap}


@dataclass
class RunResult:
    records: dict[int, dict]        # notebook cell index -> outcome of that code cell
    passes: int = 1
    seconds: float = 0.0
    error: str | None = None        # set when the notebook could not be run at all (not the student's doing)
    log: str = ""                   # the tail of pytest's output, for diagnosing such errors
    limits: Limits = field(default_factory=Limits)


def setup_cell(cfg: dict) -> nbformat.NotebookNode:
    source = ("# Set-up by the grader, not part of the exercise: start the process that runs the answers.\n"
              f"_lcb = __import__('book.grading.channel', fromlist=['start']).start({cfg!r})")
    cell = nbformat.v4.new_code_cell(source, metadata={"assembly": {"index": -1, "role": "guard"}})
    cell.id = "grader-setup"
    return cell


def environment(root: Path, work: Path) -> dict:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PYTEST_", "JPY_", "COV_")) and k not in ("OLDPWD", "PYTHONSTARTUP")}
    package_root = str(Path(book.__file__).resolve().parents[1])
    env["PYTHONPATH"] = os.pathsep.join([package_root] + [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p])
    env.update(PYTEST_DISABLE_PLUGIN_AUTOLOAD="1", PYTHONHASHSEED="0", PYTHONDONTWRITEBYTECODE="1",
               OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1", MALLOC_ARENA_MAX="2",
               MPLBACKEND="Agg", PWD=str(work), TMPDIR=str(root / "tmp"), IPYTHONDIR=str(root / "ipython"),
               JUPYTER_RUNTIME_DIR=str(root / "runtime"), JUPYTER_PLATFORM_DIRS="1",
               PYDEVD_DISABLE_FILE_VALIDATION="1")
    return env


def _kill_group(pgid):
    if not pgid or not hasattr(os, "killpg"):
        return
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError, OSError):
        pass


def stop_all():
    """Kill every run in progress and start no more (on Ctrl-C)."""
    _stopping.set()
    with _running_lock:
        groups = list(_running)
    for pgid in groups:
        _kill_group(pgid)


def _rmtree(path: Path):
    def retry(func, p, _exc):
        try:
            os.chmod(p, 0o700)
            func(p)
        except OSError:
            pass
    shutil.rmtree(path, onerror=retry)


class ForkServer:
    """The grader's side of :mod:`book.grading.fork_server`: start a pytest run, wait for its end."""

    def __init__(self):
        env = dict(os.environ, PYTHONPATH=environment(Path("."), Path("."))["PYTHONPATH"],
                   PYTEST_DISABLE_PLUGIN_AUTOLOAD="1")
        self.proc = subprocess.Popen([sys.executable, "-m", "book.grading.fork_server"], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
        self.cond = threading.Condition()
        self.write_lock = threading.Lock()
        self.pids: dict[int, int] = {}
        self.codes: dict[int, int] = {}
        self.next_id = 0
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.proc.stdout:
            try:
                msg = json.loads(line)
            except ValueError:
                continue
            with self.cond:
                if "code" in msg:
                    self.codes[msg["pid"]] = msg["code"]
                else:
                    self.pids[msg["id"]] = msg["pid"]
                self.cond.notify_all()
        with self.cond:
            self.cond.notify_all()

    def alive(self) -> bool:
        return self.proc.poll() is None

    def spawn(self, args, cwd, env, output) -> int:
        with self.write_lock:
            self.next_id += 1
            rid = self.next_id
            self.proc.stdin.write((json.dumps({"id": rid, "args": args, "cwd": str(cwd), "env": env,
                                               "output": str(output)}) + "\n").encode())
            self.proc.stdin.flush()
        with self.cond:
            if not self.cond.wait_for(lambda: rid in self.pids or not self.alive(), timeout=60):
                raise OSError("the grader's fork server did not answer")
            if rid not in self.pids:
                raise OSError("the grader's fork server ended")
            return self.pids.pop(rid)

    def wait(self, pid, timeout=None) -> int | None:
        """The exit code of run `pid` (minus the signal that ended it), or None at the timeout."""
        with self.cond:
            self.cond.wait_for(lambda: pid in self.codes or not self.alive(), timeout=timeout)
            if pid in self.codes:
                return self.codes.pop(pid)
            if not self.alive():
                return -1
            return None


_server: ForkServer | None = None
_server_lock = threading.Lock()
USE_FORK_SERVER = sys.platform.startswith("linux") and os.environ.get("LCB_GRADER_FORK_SERVER", "1") != "0"


def _close_fork_server():
    if _server is not None and _server.alive():
        try:
            _server.proc.stdin.close()
            _server.proc.wait(timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            _server.proc.kill()


atexit.register(_close_fork_server)


def _fork_server() -> ForkServer | None:
    global _server
    if not USE_FORK_SERVER:
        return None
    with _server_lock:
        if _server is None or not _server.alive():
            try:
                _server = ForkServer()
            except OSError:
                return None
        return _server


class _Run:
    """A running pytest process, started by the fork server or as a plain subprocess."""

    def __init__(self, args, cwd, env, output):
        self.server, self.proc, self.code = _fork_server(), None, None
        if self.server is not None:
            try:
                self.pid = self.server.spawn(args, cwd, env, output)
            except OSError:
                self.server = None
        if self.server is None:
            with open(output, "wb") as out:
                self.proc = subprocess.Popen([sys.executable, "-m", "pytest", *args], cwd=cwd, env=env,
                                             stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                                             start_new_session=True)
            self.pid = self.proc.pid
        with _running_lock:
            _running.add(self.pid)

    def wait(self, timeout=None) -> int | None:
        if self.code is None:
            if self.proc is not None:
                try:
                    self.code = self.proc.wait(timeout=timeout)
                except subprocess.TimeoutExpired:
                    pass
            else:
                self.code = self.server.wait(self.pid, timeout)
        return self.code

    def finish(self) -> int:
        """Kill what is left of the run's process group; return the exit code."""
        _kill_group(self.pid)
        code = self.wait(timeout=30)
        with _running_lock:
            _running.discard(self.pid)
        return -9 if code is None else code


def _tail(path: Path, size=PIPE_KEEP) -> str:
    try:
        with open(path, "rb") as f:
            f.seek(max(0, f.seek(0, 2) - size))
            return f.read().decode("utf-8", "replace")
    except OSError:
        return ""


def pytest_args(path: Path, ctl: Path, root: Path, limits: Limits) -> list[str]:
    return [str(path), "-c", str(ctl / "pytest.ini"), "--rootdir", str(root),
            "-p", "no:cacheprovider", "-p", "nbval.plugin", "-p", "book.grading.pytest_plugin",
            "--nbval-lax", "--nbval-current-env", "--nbval-cell-timeout", f"{3 * limits.cell_timeout + 30:g}",
            # the kernel is the grader's, not the student's: on a busy machine it may take more than nbval's
            # default minute to start; the notebook's time limit bounds the wait instead
            "--nbval-kernel-startup-timeout", f"{limits.notebook_timeout:g}",
            "--grader-log", str(ctl / "cells.jsonl"), "--grader-output-cap", str(limits.output_cap),
            "--grader-memory", str(limits.memory_mb),
            "-q", "--tb=no", "-W", "ignore::DeprecationWarning"]


def _one_pass(nb, name, limits: Limits, seconds: float, cfg: dict):
    """One pytest process over the notebook; return (events, killed, returncode, tail of its output)."""
    root = Path(tempfile.mkdtemp(prefix="grading-"))
    ctl, work = root / "ctl", root / "work"
    try:
        for sub in (ctl, work, root / "tmp", root / "ipython", root / "runtime"):
            sub.mkdir()
        (ctl / "answers.json").write_text(json.dumps({str(k): v for k, v in cfg["cells"].items()}, ensure_ascii=True),
                                          encoding="ascii")
        setup = dict(cfg["channel"], answers=str(ctl / "answers.json"), log=str(ctl / "channel.jsonl"),
                     timeout=limits.cell_timeout, output_cap=limits.output_cap)
        if cfg["channel"].get("cwd") == "":
            (root / "answer").mkdir()
            setup.update(cwd=str(root / "answer"), env=dict(cfg["channel"]["env"], HOME=str(root / "answer"),
                                                            TMPDIR=str(root / "answer")))
        run_nb = nbformat.from_dict(nb)
        run_nb.cells = [setup_cell(setup)] + list(run_nb.cells)
        path = work / f"{name}.ipynb"
        nbformat.write(run_nb, path)
        (ctl / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
        run = _Run(pytest_args(path, ctl, root, limits), work, environment(root, work), ctl / "pytest.out")
        killed = False
        try:
            killed = run.wait(timeout=max(seconds, 1.0)) is None
        finally:
            events = _read_log(ctl / "cells.jsonl") + [dict(e, event="channel:" + str(e.get("event")))
                                                         for e in _read_log(ctl / "channel.jsonl")]
            returncode = run.finish()
            for e in events:
                if e.get("event") == "kernel":
                    _kill_group(e.get("pgid"))
        return events, killed, returncode, _tail(ctl / "pytest.out")
    finally:
        _rmtree(root)


def _read_log(path: Path) -> list[dict]:
    events = []
    if path.exists():
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            try:
                events.append(json.loads(line))
            except json.JSONDecodeError:
                pass
    return events


def _placeholder(record: dict) -> str:
    return f"# Not run again by the grader: in an earlier run this cell {record.get('message', '')}"[:400]


def run_notebook(nb, name, limits: Limits, cells: dict, channel: dict) -> RunResult:
    """Run a trusted notebook whose code cells carry ``metadata.assembly`` (index, role); `cells` are
    what the answer process runs (see :func:`book.grading.assemble.trusted_notebook`), `channel` how
    it is started (see :func:`book.grading.sandbox.channel_config`)."""
    started = time.monotonic()
    deadline = started + limits.notebook_timeout
    code = [i for i, c in enumerate(nb.cells) if c.cell_type == "code"]
    for i in code:
        nb.cells[i].metadata.setdefault("assembly", {}).setdefault("index", i)
    cfg = {"cells": cells, "channel": channel}
    kept: dict[int, dict] = {}  # cells replaced after they killed a run, with their outcome from that run
    records: dict[int, dict] = {}
    passes = 0
    tail = ""
    while True:
        passes += 1
        run_nb = nbformat.from_dict(nb)
        for i, rec in kept.items():
            run_nb.cells[i].source = _placeholder(rec)
        if _stopping.is_set():
            return RunResult({}, passes, time.monotonic() - started, "interrupted", tail, limits)
        events, killed, returncode, tail = _one_pass(run_nb, name, limits, deadline - time.monotonic(), cfg)
        if _stopping.is_set():
            return RunResult({}, passes, time.monotonic() - started, "interrupted", tail, limits)
        ends = {e["cell"]: e for e in events if e.get("event") == "end"}
        guard = ends.pop(-1, None)
        if guard is None or not guard.get("ok"):
            if killed:
                why = f"the notebook's time limit ({limits.notebook_timeout:g} s) ran out before it started"
            elif guard is None:
                why = "pytest and nbval could not start the notebook's kernel"
            else:
                why = f"the grader's set-up cell failed ({guard.get('ename')}: {guard.get('message')})"
            return RunResult({}, passes, time.monotonic() - started, why, tail, limits)
        records = {i: ends[i] for i in code if i in ends}
        for e in events:
            cell = e.get("cell")
            if e.get("event") == "channel:answer_error" and cell in records and records[cell].get("kind") == "error":
                records[cell]["line"] = e.get("line")
            elif e.get("event") == "channel:forbidden" and isinstance(e.get("names"), list):
                where = cell if cell in records else max((i for i in records if i <= (cell or 10**9)), default=None)
                if where is not None:
                    records[where].setdefault("findings", []).extend(
                        ["forbidden", f"reached for {str(n)[:100]}, which this exercise puts off-limits"]
                        for n in e["names"][:20])
        broken = [r for r in records.values() if r.get("kind") == "grader_error"]
        if broken:
            return RunResult({}, passes, time.monotonic() - started, broken[0].get("message"), tail, limits)
        records.update(kept)
        started_cells = [e["cell"] for e in events if e.get("event") == "start"]
        running = started_cells[-1] if started_cells and started_cells[-1] not in ends else None
        if killed:
            if running is not None:
                records[running] = {"ok": False, "kind": "time_limit", "cell": running,
                                    "message": f"was running when the notebook's time limit "
                                               f"({limits.notebook_timeout:g} s) ran out"}
            break
        culprit = None
        if running is not None:  # pytest itself died mid-cell
            culprit = running
            records[running] = {"ok": False, "kind": "kernel_died", "cell": running,
                                "message": f"the test process ended with status {returncode} during this cell"}
        else:
            for pos, i in enumerate(code):
                rec = records.get(i)
                if rec is None:
                    break
                if rec["kind"] in FATAL:
                    culprit = i
                    break
                if rec["kind"] == "not_run" and i not in kept:
                    before = [j for j in code[:pos] if j not in kept]
                    if before:
                        culprit = before[-1]
                        records[culprit] = dict(records[culprit], ok=False, kind="kernel_died",
                                                message="the kernel was gone when the next cell started")
                    break
        if culprit is None or culprit in kept or time.monotonic() >= deadline:
            break
        kept[culprit] = records[culprit]
    for i in code:
        if i not in records:
            why = ("was not run: the notebook's time limit ran out" if time.monotonic() >= deadline
                   else "was not run")
            records[i] = {"ok": False, "kind": "not_run", "cell": i, "message": why}
    return RunResult(records, passes, time.monotonic() - started, None, tail, limits)
