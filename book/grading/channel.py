"""The trusted kernel's side of the answer process: start it, run cells in it, call its functions.

The grader's first cell in the trusted notebook calls :func:`start`. Then a set-up cell runs in
both processes (``_lcb.setup(i)`` and the cell itself), an answer cell is replaced by
``_lcb.answer(i, globals())``, which runs the student's code in the answer process and binds each
name the answer defines to a :class:`Proxy`, and the test cells run unchanged, calling proxies.

A call sends plain data (:mod:`book.grading.wire`), waits at most the cell time limit, and
returns plain data; arrays, lists and dicts the answer changed in place are changed here too. The
answer's errors are raised here with their built-in type (else :class:`StudentCodeError`), its
message, and the traceback lines of the answer cells as a note. When the answer process ends,
hangs or sends what is not plain data, it is killed and started again, and the cells that ran
before are run again in it, so the next question starts from the same state.
"""
from __future__ import annotations

import builtins
import json
import os
import select
import signal
import subprocess
import time

import numpy as np

from . import wire

MAX_MESSAGE = 2000


def _clean(text: str) -> str:
    """`text` with lone surrogates written as escapes: what crosses to Jupyter must be valid UTF-8."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")

SAFE_ERRORS = {n for n in dir(builtins) if isinstance(getattr(builtins, n), type)
               and issubclass(getattr(builtins, n), Exception)
               and not issubclass(getattr(builtins, n), (UnicodeError, Warning))}


class StudentCodeError(Exception):
    """An error in the student's code whose type is not a built-in exception."""


class AnswerTimeout(Exception):
    """A call or answer cell did not finish within the time limit."""


class AnswerDied(Exception):
    """The answer process ended."""


class AnswerOutput(Exception):
    """The answer printed more than the cap."""


class _Timeout(Exception):
    pass


def _describe_exit(code) -> str:
    if code is None:
        return "the answer process stopped answering"
    if code < 0 or code > 128:
        sig = -code if code < 0 else code - 128
        try:
            return f"the answer process was killed by {signal.Signals(sig).name}"
        except ValueError:
            return f"the answer process was killed by signal {sig}"
    return f"the answer process exited with status {code}"


def _merge(old, new):
    """Put `new` into `old` in place where the types allow; return what to keep."""
    if type(old) is np.ndarray and type(new) is np.ndarray:
        if old.shape == new.shape and old.flags.writeable:
            try:
                np.copyto(old, new, casting="unsafe")
                return old
            except (TypeError, ValueError):
                pass
        return new
    if type(old) is list and type(new) is list:
        keep = [_merge(o, n) for o, n in zip(old, new)] + new[len(old):]
        old[:] = keep
        return old
    if type(old) is dict and type(new) is dict:
        merged = {k: _merge(old[k], v) if k in old else v for k, v in new.items()}
        old.clear()
        old.update(merged)
        return old
    return new


class Proxy:
    """Stands for a function the student defined: calling it calls it in the answer process."""

    __slots__ = ("_channel", "_name")

    def __init__(self, channel, name):
        self._channel, self._name = channel, name

    def __call__(self, *args, **kwargs):
        return self._channel.call(self._name, args, kwargs)

    def __repr__(self):
        return f"<function {self._name} (runs in the answer process)>"


class Channel:
    def __init__(self, cfg: dict):
        self.cfg = cfg
        with open(cfg["answers"], encoding="ascii") as f:
            self.cells = {int(k): v for k, v in json.load(f).items()}
        self.timeout = float(cfg["timeout"])
        self.log = open(cfg["log"], "a", encoding="ascii")
        self.history: list[int] = []  # cells run in the current answer process, in order
        self.proc = None
        self.buffer = b""
        self.start()

    # -- the process -------------------------------------------------------------------------
    def start(self):
        self.proc = subprocess.Popen(self.cfg["argv"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL, start_new_session=True, cwd=self.cfg.get("cwd"),
                                     env=self.cfg.get("env"), bufsize=0, close_fds=True)
        self.buffer = b""
        self._request({"op": "init", "rlimits": self.cfg["rlimits"], "drop_to": self.cfg.get("drop_to"),
                       "output_cap": self.cfg["output_cap"], "forbidden_modules": self.cfg.get("forbidden_modules", []),
                       "forbidden_attrs": self.cfg.get("forbidden_attrs", [])}, 60.0)
        replay, self.history = self.history, []
        for i in replay:
            try:
                self._request(self._exec_message(i), self.timeout)
                self.history.append(i)
            except (_Timeout, EOFError, wire.WireError):
                self.kill()
                self.proc = None
                return self.start()

    def kill(self):
        if self.proc is None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except OSError:
            pass
        try:
            self.proc.kill()
        except OSError:
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass
        for f in (self.proc.stdin, self.proc.stdout):
            try:
                f.close()
            except OSError:
                pass

    def close(self):
        self.kill()
        self.proc = None

    def _read(self, deadline):
        def read(n):
            while True:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise _Timeout()
                ready, _, _ = select.select([self.proc.stdout], [], [], min(left, 1.0))
                if ready:
                    return os.read(self.proc.stdout.fileno(), n)
        return read

    def _request(self, msg, timeout):
        data = wire.encode(msg)
        try:
            self.proc.stdin.write(data)
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError):
            raise EOFError("the answer process is gone") from None
        reply = wire.read_message(self._read(time.monotonic() + timeout))
        if not isinstance(reply, dict):
            raise wire.WireError("a reply that is not a dict")
        return reply

    def request(self, msg, cell=None):
        """Send a request; on a hang, a death or garbage, restart the process and raise."""
        try:
            reply = self._request(msg, self.timeout)
        except _Timeout:
            self.restart()
            raise AnswerTimeout(f"did not finish within {self.timeout:g} s") from None
        except EOFError:
            code = self.proc.wait(timeout=10) if self.proc else None
            self.restart()
            raise AnswerDied(_describe_exit(code)) from None
        except wire.WireError as e:
            self.restart()
            raise StudentCodeError(f"the answer process sent something that is not plain data ({e})") from None
        except BaseException:  # interrupted: the answer process is in an unknown state
            self.restart()
            raise
        forbidden = [str(x)[:100] for x in reply.get("forbidden", [])[:20] if isinstance(x, str)]
        if forbidden:
            self.write(event="forbidden", cell=cell, names=forbidden)
        return reply

    def restart(self):
        self.kill()
        self.start()

    def write(self, **record):
        self.log.write(json.dumps(record, ensure_ascii=True) + "\n")
        self.log.flush()

    # -- cells and calls ---------------------------------------------------------------------
    def _exec_message(self, i):
        c = self.cells[i]
        return {"op": "exec", "cell": i, "kind": c["kind"], "id": c.get("id"), "source": c["source"],
                "names": c.get("names", [])}

    def setup(self, i):
        """Run an instructor's set-up cell in the answer process too (its errors are the instructor's)."""
        reply = self.request(self._exec_message(i), cell=i)
        self.history.append(i)
        if not reply.get("ok"):
            self.write(event="setup_error", cell=i)

    def answer(self, i, ns):
        """Run an answer cell in the answer process; bind the names it defines in `ns`."""
        try:
            reply = self.request(self._exec_message(i), cell=i)
        except (AnswerTimeout, AnswerDied, StudentCodeError):
            for name in self.cells[i].get("names", []):
                ns.pop(name, None)
            raise
        self.history.append(i)
        names = reply.get("names") if isinstance(reply.get("names"), dict) else {}
        for name in self.cells[i].get("names", []):
            info = names.get(name) if isinstance(names.get(name), dict) else {"kind": "missing"}
            if info.get("kind") == "callable":
                ns[name] = Proxy(self, name)
            elif info.get("kind") == "value":
                ns[name] = info.get("value")
            elif info.get("kind") == "other":
                ns[name] = _unusable(name, str(info.get("what", "an object"))[:100])
            else:
                ns.pop(name, None)
        self.finish(reply, cell=i)

    def call(self, name, args, kwargs):
        try:
            msg = {"op": "call", "name": name, "args": list(args), "kwargs": dict(kwargs)}
            wire.encode(msg)
        except wire.NotPlainData as e:
            raise TypeError(f"the test passed {e.what} to `{name}`; only plain data can reach the answers") from None
        reply = self.request(msg)
        changed = reply.get("changed") if isinstance(reply.get("changed"), dict) else {}
        for key, value in changed.items():
            if key.isdigit() and int(key) < len(args):
                _merge(args[int(key)], value)
            elif key in kwargs:
                _merge(kwargs[key], value)
        self.finish(reply)
        return reply.get("result")

    def finish(self, reply, cell=None):
        out = reply.get("stdout")
        if isinstance(out, str) and out:
            out = _clean(out)
            print(out, end="" if out.endswith("\n") else "\n")
        if reply.get("cut"):
            raise AnswerOutput(f"printed more than {self.cfg['output_cap']} bytes of output; the grader stops there")
        if reply.get("ok"):
            return
        if "exit" in reply:
            code = reply["exit"]
            raise SystemExit(code if isinstance(code, (int, type(None))) else _clean(str(code)[:MAX_MESSAGE]))
        err = reply.get("error") if isinstance(reply.get("error"), dict) else {}
        if cell is not None and isinstance(err.get("line"), int):
            self.write(event="answer_error", cell=cell, line=err["line"])
        raise _exception(err)


def _unusable(name, what):
    def unusable(*args, **kwargs):
        raise StudentCodeError(f"`{name}` is {what}, which cannot be used from the tests; define it as a function")
    return unusable


def _exception(err: dict) -> BaseException:
    name = err.get("type") if isinstance(err.get("type"), str) else "StudentCodeError"
    message = _clean(str(err.get("message", ""))[:MAX_MESSAGE])
    exc = None
    if name in SAFE_ERRORS:
        try:
            exc = getattr(builtins, name)(message)
        except Exception:
            exc = None
    if exc is None:
        exc = StudentCodeError(message if name == "StudentCodeError" else f"{name[:80]}: {message}")
    tb = [_clean(x[:300]) for x in (err.get("traceback") or [])[:40] if isinstance(x, str)]
    if tb:
        exc.add_note("Traceback in your answer cells:\n" + "\n".join(tb))
    return exc


_channel: Channel | None = None


def start(cfg: dict) -> Channel:
    """Start the answer process for this kernel (the grader's first cell calls this)."""
    global _channel
    import atexit

    _channel = Channel(cfg)
    atexit.register(_channel.close)
    return _channel
