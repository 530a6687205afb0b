"""The answer process's sandbox: what it cannot reach, what it leaves behind, and running without it."""
from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import threading

import pytest
from grading_corpus import HOSTILE, ROOT, dependents, filled, grade_cmd, solution_answers, write

EX = HOSTILE
MARKER = "lcb-probe-daemon"


def _probe_source(paths: dict, port: int) -> str:
    """Answer-cell code that tries each reach and raises with what happened (the message reaches results.json)."""
    return f"""import json, os, socket, time, sys
_seen = {{}}
for _what, _path in {paths!r}.items():
    try:
        if os.path.isdir(_path):
            os.listdir(_path)
        else:
            open(_path, 'rb').read(10)
        _seen[_what] = 'opened'
    except Exception as _e:
        _seen[_what] = type(_e).__name__
try:
    socket.create_connection(('127.0.0.1', {port}), timeout=3).close()
    _seen['network'] = 'connected'
except Exception as _e:
    _seen['network'] = type(_e).__name__
if os.fork() == 0:
    os.setsid()
    sys.argv[0] = '{MARKER}'
    time.sleep(300)
    os._exit(0)
raise RuntimeError('PROBE:' + json.dumps(_seen))
"""


@pytest.fixture
def listener():
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(5)
    server.settimeout(0.5)
    accepted = []
    stop = threading.Event()

    def serve():
        while not stop.is_set():
            try:
                conn, _ = server.accept()
                accepted.append(conn)
            except OSError:
                continue

    t = threading.Thread(target=serve, daemon=True)
    t.start()
    yield server.getsockname()[1], accepted
    stop.set()
    t.join(timeout=2)
    server.close()


def _grade_one(tmp_path, source_for_first_answer, *extra):
    subs, out = tmp_path / "submissions", tmp_path / "out"
    (subs / "alice").mkdir(parents=True)
    sol = solution_answers(EX)
    a = next(iter(EX.answers))
    (subs / "alice" / f"{EX.name}.ipynb").write_bytes(write(filled(EX, dict(sol, **{a: source_for_first_answer(subs, out)
                                                                                     + "\n" + sol[a]}))))
    proc = subprocess.run(grade_cmd(subs, out, "-q", *extra), capture_output=True, text=True, timeout=600)
    return proc, out, a


def test_the_answer_process_reaches_no_course_submission_output_or_network(tmp_path, listener):
    port, accepted = listener
    home = os.path.join(os.path.expanduser("~"), f".lcb-probe-{os.getpid()}")
    with open(home, "w") as f:
        f.write("a file in the home folder")

    def source(subs, out):
        out.mkdir(parents=True, exist_ok=True)
        (out / "secret.txt").write_text("x")
        paths = {"solutions": str(ROOT / "solutions" / f"{EX.name}.ipynb"), "solutions_dir": str(ROOT / "solutions"),
                 "submissions": str(subs), "own_notebook": str(subs / "alice" / f"{EX.name}.ipynb"),
                 "out": str(out / "secret.txt"), "home": home, "course": str(ROOT)}
        return _probe_source(paths, port)

    try:
        proc, out, a = _grade_one(tmp_path, source)
    finally:
        os.unlink(home)
    assert proc.returncode == 0, proc.stderr[-2000:]
    r = json.loads((out / "results.json").read_text())["submissions"][0]
    assert r["sandbox"] == "bwrap"
    failed = {q["id"]: q for q in r["questions"] if not q["passed"]}
    assert set(failed) == dependents(EX, a)
    message = next(iter(failed.values()))["message"]
    seen = json.loads(re.search(r"PROBE:(\{.*?\})", message).group(1))
    assert set(seen) == {"solutions", "solutions_dir", "submissions", "own_notebook", "out", "home", "course",
                         "network"}
    assert all(v != "opened" and v != "connected" for v in seen.values()), seen
    assert accepted == []
    ps = subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True).stdout
    assert MARKER not in ps and "/opt/lcb/runner/answers.py" not in ps


def test_grade_refuses_without_bubblewrap_and_says_how_to_install_it(tmp_path):
    subs = tmp_path / "submissions" / "alice"
    subs.mkdir(parents=True)
    (subs / f"{EX.name}.ipynb").write_bytes(write(filled(EX, solution_answers(EX))))
    env = dict(os.environ, PATH="/nonexistent")
    proc = subprocess.run(grade_cmd(tmp_path / "submissions", tmp_path / "out", "-q"), capture_output=True,
                          text=True, timeout=120, env=env)
    assert proc.returncode == 2
    assert "bubblewrap" in proc.stderr and "apt-get install bubblewrap" in proc.stderr
    assert "--sandbox none" in proc.stderr
    assert not (tmp_path / "out" / "results.json").exists()


def test_without_a_sandbox_every_output_says_so(tmp_path):
    proc, out, _ = _grade_one(tmp_path, lambda subs, out: "", "--sandbox", "none")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "NOT SANDBOXED" in proc.stdout
    doc = json.loads((out / "results.json").read_text())
    assert doc["sandboxed"] is False and "NOT SANDBOXED" in doc["warning"]
    r = doc["submissions"][0]
    assert r["sandbox"] == "none" and r["score"] == r["max"]
    assert "NOT SANDBOXED" in (out / "feedback" / "alice" / f"{EX.name}.md").read_text()
    assert "not sandboxed" in (out / "gradebook.csv").read_text()
