"""The pytest plugin the grader loads next to nbval (``-p book.grading.pytest_plugin``).

For each notebook cell nbval runs as a test item it writes two JSON lines to ``--grader-log``
(``start`` before the cell, ``end`` after it with the outcome, the error's name and message, the
line it came from, the size of the output), so the grader
knows what happened even when the process is killed half-way. It also:

* sets the memory limit (``RLIMIT_AS``) before the kernel starts, so the kernel inherits it;
* caps each cell's output at ``--grader-output-cap`` bytes, whatever wrote it; what the kernel
  writes to its own file descriptors 1 and 2 (not the notebook's output) goes to the null device;
* notices within half a second when the kernel dies, instead of waiting for the cell timeout;
* keeps the kernel's reply, so a cell whose error was hidden from the display still fails;
* once the last cell is recorded, kills the kernel and ends the process at once (the grader reads
  the log, not pytest's report, so the teardown would only cost time).

Without ``--grader-log`` the plugin does nothing.
"""
from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import time
from queue import Empty

import pytest

ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
CELL_LINE = re.compile(r"(?:Cell In\s*\[\d*\]|<ipython-input-[^>]*>|/\d+\.py), line (\d+)")
MAX_MESSAGE = 2000
ANSWER_KINDS = {"AnswerTimeout": "timeout", "AnswerDied": "answer_died", "AnswerOutput": "output"}
MAX_TRACEBACK = 20000


class KernelDied(Exception):
    """The kernel process ended while a cell was running."""


def pytest_addoption(parser):
    group = parser.getgroup("grader", "course grader (book.grading)")
    group.addoption("--grader-log", default=None, help="write one JSON line per cell start and end here")
    group.addoption("--grader-output-cap", type=int, default=1_000_000, help="bytes of output kept per cell")
    group.addoption("--grader-memory", type=int, default=0, help="address-space limit in MB (0: none)")


def pytest_configure(config):
    if not config.getoption("grader_log"):
        return
    memory = config.getoption("grader_memory")
    if memory:
        import resource

        limit = memory * 2**20
        try:
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        except (ValueError, OSError):  # not every system lets a process limit its address space
            pass
    config.pluginmanager.register(Recorder(config), "grader-recorder")


def exit_status(km) -> str:
    """Words for how the kernel process ended."""
    process = getattr(getattr(km, "provisioner", None), "process", None)
    code = process.poll() if process is not None else None
    if code is None:
        return "the kernel stopped answering"
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        return f"the kernel was killed by {name}"
    return f"the kernel exited with status {code}"


def _await_reply(self, msg_id, timeout=None):
    """nbval's RunningKernel.await_reply, but polling so that a dead kernel is noticed at once."""
    deadline = None if timeout is None else time.monotonic() + timeout
    while True:
        step = 0.5 if deadline is None else max(0.0, min(0.5, deadline - time.monotonic()))
        try:
            msg = self.get_message(stream="shell", timeout=step)
        except Empty:
            if not self.km.is_alive():
                raise KernelDied(exit_status(self.km)) from None
            if deadline is not None and time.monotonic() >= deadline:
                raise
            continue
        if msg["parent_header"].get("msg_id") == msg_id:
            if msg["content"]["status"] == "aborted":
                raise RuntimeError("Kernel aborted execution request")
            self.grader_reply = msg["content"]
            return


def _capped_message(self, timeout=None, stream="iopub"):
    """nbval's IPyNbFile.get_kernel_message, keeping at most the cap of each cell's output."""
    msg = _capped_message.original(self, timeout=timeout, stream=stream)
    kind, content = msg.get("msg_type"), msg.get("content", {})
    budget = getattr(self, "grader_budget", None)
    if budget is None:
        return msg
    if kind == "stream":
        text = content.get("text", "")
        if budget["used"] + len(text) > budget["cap"]:
            content["text"] = text[: max(0, budget["cap"] - budget["used"])]
            budget["cut"] = True
        budget["used"] += len(text)
    elif kind in ("display_data", "execute_result", "update_display_data"):
        size = sum(len(str(v)) for v in content.get("data", {}).values())
        if budget["used"] + size > budget["cap"]:
            content["data"] = {"text/plain": "[output dropped by the grader]"}
            budget["cut"] = True
        budget["used"] += size
    elif kind == "error":
        tb = content.get("traceback", [])
        while tb and sum(map(len, tb)) > MAX_TRACEBACK:
            tb = tb[: len(tb) // 2]
        content["traceback"] = tb
        content["evalue"] = str(content.get("evalue", ""))[:MAX_MESSAGE]
    return msg


def _quiet_kernel(*args, **kwargs):
    """nbval's start_new_kernel, with the kernel's own stdout (not the notebook's) sent nowhere."""
    kwargs.setdefault("stdout", subprocess.DEVNULL)
    return _quiet_kernel.original(*args, **kwargs)


class Recorder:
    def __init__(self, config):
        from nbval import kernel as nbkernel
        from nbval import plugin as nbplugin

        self.config = config
        self.cell_type = nbplugin.IPyNbCell
        self.cell_error = nbplugin.NbCellError
        nbkernel.RunningKernel.await_reply = _await_reply
        if not hasattr(_quiet_kernel, "original"):
            _quiet_kernel.original = nbkernel.start_new_kernel
            nbkernel.start_new_kernel = _quiet_kernel
        if not hasattr(_capped_message, "original"):
            _capped_message.original = nbplugin.IPyNbFile.get_kernel_message
            nbplugin.IPyNbFile.get_kernel_message = _capped_message
        self.log = open(config.getoption("grader_log"), "a", encoding="utf-8")
        self.cap = config.getoption("grader_output_cap")
        self.timeout = config.getoption("nbval_cell_timeout")
        self.kernel_seen = False
        self.last = None
        self.write(event="configured")

    def write(self, **record):
        record["t"] = round(time.time(), 3)
        self.log.write(json.dumps(record) + "\n")
        self.log.flush()

    def pytest_unconfigure(self, config):
        self.log.close()

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_call(self, item):
        if not isinstance(item, self.cell_type):
            yield
            return
        meta = item.cell.metadata.get("assembly", {})  # written by assemble.trusted_notebook
        index, role = meta.get("index", item.cell_num), meta.get("role", "cell")
        kernel = item.parent.kernel
        if kernel is not None and not self.kernel_seen:
            prov = getattr(kernel.km, "provisioner", None)
            self.write(event="kernel", pid=getattr(prov, "pid", None), pgid=getattr(prov, "pgid", None))
            self.kernel_seen = True
        self.write(event="start", cell=index)
        item.parent.grader_budget = budget = {"used": 0, "cap": self.cap, "cut": False}
        if kernel is not None:
            kernel.grader_reply = None
        started = time.monotonic()
        outcome = yield
        seconds = time.monotonic() - started
        item.parent.grader_budget = None
        try:
            record = self.finish(item, outcome.excinfo, kernel, budget, role, meta)
        except Exception as e:  # a bug here must not pass for the student's doing
            record = {"ok": False, "kind": "grader_error", "message": f"grader plugin error: {e!r}"}
        record.update(event="end", cell=index, role=role, seconds=round(seconds, 3), output_bytes=budget["used"])
        self.write(**record)
        if item is self.last:  # all is recorded: end the kernel and this process now, skip the teardown
            self.write(event="done")
            self.log.close()
            if kernel is not None:
                prov = getattr(kernel.km, "provisioner", None)
                if getattr(prov, "pgid", None):
                    try:
                        os.killpg(prov.pgid, signal.SIGKILL)
                        prov.process.wait(timeout=5)  # reaped here, its CPU time is accounted to us
                    except (OSError, AttributeError, subprocess.TimeoutExpired):
                        pass
            os._exit(0)

    def pytest_collection_modifyitems(self, items):
        cells = [i for i in items if isinstance(i, self.cell_type)]
        self.last = cells[-1] if cells and len(cells) == len(items) else None

    def finish(self, item, excinfo, kernel, budget, role, meta) -> dict:
        record = self.outcome(item, excinfo, kernel)
        if budget["cut"]:
            record.update(ok=False, kind="output",
                          message=f"printed more than {self.cap} bytes of output; the grader stops a cell there")
        return record

    def outcome(self, item, excinfo, kernel) -> dict:
        exc = excinfo[1] if excinfo else None
        outputs = item.test_outputs or []
        error = next((o for o in outputs if o.get("output_type") == "error"), None)
        reply = getattr(kernel, "grader_reply", None) if kernel is not None else None
        rec = {"ok": False, "kind": "error", "ename": "", "message": "", "line": None}
        if error is not None:
            rec["ename"] = str(error.get("ename", ""))
            rec["message"] = str(error.get("evalue", ""))[:MAX_MESSAGE]
            rec["line"] = self.error_line(error.get("traceback", []))
        if exc is None and error is None:
            if reply is not None and reply.get("status") not in (None, "ok"):
                rec.update(kind="hidden_error", message="raised an error that never reached the display")
            else:
                rec.update(ok=True, kind="passed")
            return rec
        if isinstance(exc, pytest.skip.Exception):
            rec.update(kind="skipped", message="was skipped")
        elif isinstance(exc, KernelDied):
            rec.update(kind="kernel_died", message=str(exc))
        elif isinstance(exc, RuntimeError) and "Kernel dead on test start" in str(exc):
            rec.update(kind="not_run", message="was not run: the kernel had ended before this cell")
        elif isinstance(exc, self.cell_error) and error is None and "Timeout" in str(exc):
            rec.update(kind="stuck", message=f"did not finish within {self.timeout:g} s and could not be interrupted")
        elif error is not None and rec["ename"] == "KeyboardInterrupt" and exc is not None and "Timeout" in str(exc):
            rec.update(kind="timeout", message=f"did not finish within {self.timeout:g} s")
        elif rec["ename"] in ANSWER_KINDS:
            rec.update(kind=ANSWER_KINDS[rec["ename"]])
        elif rec["ename"] == "MemoryError":
            rec.update(kind="memory")
        elif rec["ename"] == "SystemExit":
            rec.update(kind="exit")
        elif error is None:
            rec.update(kind="failed", message=ANSI.sub("", str(exc))[:MAX_MESSAGE])
        return rec

    @staticmethod
    def error_line(traceback) -> int | None:
        """The line of the cell the error came from (the outermost frame in the cell)."""
        for entry in traceback:
            m = CELL_LINE.search(ANSI.sub("", entry))
            if m:
                return int(m.group(1))
        return None
