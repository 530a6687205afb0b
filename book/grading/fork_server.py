"""A fork server for the grader: pytest and nbval imported once, a fresh process per notebook.

Starting ``python -m pytest`` and importing pytest, nbval and jupyter_client costs more CPU than
running a small notebook's cells. The grader therefore starts this server once
(``python -m book.grading.fork_server``); the server imports those modules and then, for each request,
forks a child that becomes the notebook's pytest process: a new session and process group, its own
working folder, environment and output file, then ``pytest.main(args)``. The server never runs a
notebook itself, so every child starts from the same clean state, as a fresh ``python -m pytest``
would.

Protocol, one JSON object per line. Requests on stdin:
``{"id": 1, "args": [...], "cwd": "...", "env": {...}, "output": "path"}``.
Replies on stdout: ``{"id": 1, "pid": 1234}`` once the child is forked, and
``{"pid": 1234, "code": 0}`` when it has ended (the exit code, or minus the signal that killed it).
The server exits when its stdin closes, killing the runs still going.
"""
from __future__ import annotations

import json
import os
import select
import signal
import sys


def _child(request, fds_to_close):
    try:
        os.setsid()
        signal.signal(signal.SIGINT, signal.default_int_handler)  # the kernel must stay interruptible
        for fd in fds_to_close:
            os.close(fd)
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        out = os.open(request["output"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.dup2(out, 1)
        os.dup2(out, 2)
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        import pytest

        code = pytest.main(list(request["args"]))
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(int(code))
    except BaseException as e:  # report, never return into the server's loop
        try:
            os.write(2, f"fork server child failed: {e!r}\n".encode())
        finally:
            os._exit(70)


def serve():
    sys.modules.setdefault("rfc3987_syntax", None)  # see book/grading/__main__.py
    import _pytest.config  # noqa: F401  (the imports the children share)
    import jupyter_client  # noqa: F401
    import nbformat  # noqa: F401
    import nbval.plugin  # noqa: F401
    import pytest  # noqa: F401

    import book.grading.pytest_plugin  # noqa: F401

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the grader's to handle; it closes our stdin
    inp, out = sys.stdin.fileno(), sys.stdout.fileno()
    buf = b""
    children = set()

    def reply(obj):
        os.write(out, (json.dumps(obj) + "\n").encode())

    while True:
        ready, _, _ = select.select([inp], [], [], 0.02)
        if ready:
            chunk = os.read(inp, 65536)
            if not chunk:  # the grader has gone: so do the runs it started
                for pid in children:
                    try:
                        os.killpg(pid, signal.SIGKILL)
                    except OSError:
                        pass
                break
            buf += chunk
            while b"\n" in buf:
                line, buf = buf.split(b"\n", 1)
                try:
                    request = json.loads(line)
                except ValueError:
                    continue
                sys.stdout.flush()
                sys.stderr.flush()
                pid = os.fork()
                if pid == 0:
                    _child(request, [inp, out])
                children.add(pid)
                reply({"id": request.get("id"), "pid": pid})
        for pid in list(children):
            try:
                done, status = os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                children.discard(pid)
                continue
            if done:
                children.discard(pid)
                reply({"pid": pid, "code": os.waitstatus_to_exitcode(status)})


if __name__ == "__main__":
    serve()
