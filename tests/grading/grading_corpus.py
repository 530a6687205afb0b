"""Submissions made by the tests, each with what grading it must give.

For every exercise in solutions/: the solution (full marks), the released stub (zero), and each
listed common mistake (it loses exactly the questions the mistake names). For one exercise
(the first), broken and hostile notebooks: each case says which questions must fail, why (a
phrase of the message the student reads), and what must be flagged. Every expectation is
computed from the exercise's own metadata (points, depends, cell order), never typed in.
"""
from __future__ import annotations

import copy
import json
import sys
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from book.grading.release import release_notebook
from book.grading.spec import parse_exercise, solution_files  # noqa: F401
from exercise_variants import hidden_blocks, load_mistakes, mistaken, strip_markers  # noqa: F401

ROOT = Path(__file__).resolve().parents[2]
EXERCISES = [parse_exercise(p) for p in solution_files(ROOT)]
HOSTILE = EXERCISES[0]
HOSTILE_TIMEOUT = 20  # seconds per call or cell for the hostile corpus (its loop case waits this long)


@dataclass
class Case:
    student: str
    exercise: str
    data: bytes                                   # the file's bytes
    fails: set[str] = field(default_factory=set)  # questions that must score 0; all others full points
    status: str = "graded"                        # or "could_not_run"
    reason: str = ""                              # could_not_run: the reason kind
    why: str = ""                                 # a phrase each failing question's message must hold
    flag: tuple[str, str] | None = None           # (severity, phrase) that must be among the flags
    why_in: set[str] | None = None                # the failing questions `why` is checked in (None: all)


def write(nb) -> bytes:
    text = nbformat.writes(nb)
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate: JSON can still carry it, escaped
        return json.dumps(json.loads(text), ensure_ascii=True, indent=1).encode("ascii")


def solution_answers(ex) -> dict[str, str]:
    return {cid: strip_markers(ex.nb.cells[i].source) for cid, i in ex.answers.items()}


def released(ex):
    return release_notebook(ex)


def filled(ex, answers: dict[str, str]):
    """The released notebook with the given answer cells written in, as a student would."""
    nb = released(ex)
    for cid, i in ex.answers.items():
        if cid in answers:
            nb.cells[i].source = answers[cid]
    return nb


def mistake_answers(ex, m) -> dict[str, str]:
    nb = mistaken(ex, m)
    return {cid: strip_markers(nb.cells[i].source) for cid, i in ex.answers.items()}


def dependents(ex, cid) -> set[str]:
    return {q.id for q in ex.questions.values() if cid in q.depends}


def normal_cases() -> list[Case]:
    cases = []
    for ex in EXERCISES:
        n = ex.name[:2]
        cases.append(Case(f"ex{n}-solution", ex.name, write(filled(ex, solution_answers(ex)))))
        cases.append(Case(f"ex{n}-stub", ex.name, write(released(ex)), fails=set(ex.questions)))
        for k, m in enumerate(load_mistakes(ex)):
            cases.append(Case(f"ex{n}-mistake{k + 1}", ex.name, write(filled(ex, mistake_answers(ex, m))),
                              fails=set(m["fails"])))
    first = next(c for c in cases if "mistake" in c.student)
    cases.append(Case(first.student + "-again", first.exercise, first.data, set(first.fails)))
    return cases


def _top_function(source: str) -> str:
    import ast
    return next(n.name for n in ast.parse(source).body if isinstance(n, ast.FunctionDef))


def _one(ex, cid, body: str, wrong: bool = False) -> dict:
    """The solution's answers (or the first listed mistake's) with `body` run at the top of answer `cid`."""
    answers = solution_answers(ex)
    if wrong:
        answers = mistake_answers(ex, load_mistakes(ex)[0])
    return dict(answers, **{cid: body + "\n" + answers[cid]})


def _first_fn(source: str) -> str:
    return _top_function(source)


# Attacks that run inside the answer process. Each: (name, code run at the top of an answer cell, outcome).
# outcome "deps": the questions depending on that answer fail (with `why` in their message); "all":
# every question fails (the code breaks its own answer process, and only that);
# "full": full marks (the attack achieves nothing and harms nothing); "hide": the code sits in front
# of a listed mistake's answer, which must still lose exactly the mistake's questions.
ROOT_S = str(ROOT)
ATTACKS = [
    ("reads-solutions", f"import json\n_x = json.load(open({ROOT_S + '/solutions/01_perceptron.ipynb'!r}))", "deps",
     "FileNotFoundError"),
    ("reads-solutions-via-book", "import json, pathlib, book\n"
     "_r = pathlib.Path(book.__file__).resolve().parents[1]\n"
     "_x = json.loads((_r / 'solutions' / '01_perceptron.ipynb').read_text())", "deps", "FileNotFoundError"),
    ("fd-relative-open", "import os\n_d = os.open('/', os.O_RDONLY)\n"
     f"_f = os.open({ROOT_S.lstrip('/') + '/solutions/01_perceptron.ipynb'!r}, os.O_RDONLY, dir_fd=_d)", "deps",
     "FileNotFoundError"),
    ("hard-link", f"import os\nos.link({ROOT_S + '/solutions/01_perceptron.ipynb'!r}, '/tmp/copy.ipynb')", "deps",
     "FileNotFoundError"),
    ("lists-the-course", f"import os\n_x = os.listdir({ROOT_S!r})", "deps", "FileNotFoundError"),
    ("device-node", "import os, stat\nos.mknod('/tmp/mem', stat.S_IFCHR | 0o600, os.makedev(1, 1))", "deps",
     "PermissionError"),
    ("fifo-in-tmp", "import os\nos.mkfifo('/tmp/pipe')\n_fd = os.open('/tmp/pipe', os.O_RDONLY | os.O_NONBLOCK)",
     "full", ""),
    ("writes-home", "open('/root/.bashrc', 'a').write('echo owned\\n')", "deps", "Error"),
    ("network", "import socket\nsocket.create_connection(('127.0.0.1', 22), timeout=2)", "deps", "Error"),
    ("daemon", "import os, time\nif os.fork() == 0:\n    os.setsid()\n    if os.fork() == 0:\n"
     "        time.sleep(600)\n    os._exit(0)", "full", ""),
    ("fork-children", "import os, time\nfor _k in range(8):\n    if os.fork() == 0:\n        time.sleep(600)\n"
     "        os._exit(0)", "full", ""),
    ("posixsubprocess", "import _posixsubprocess, os, sys\n"
     "_posixsubprocess.fork_exec([b'/bin/sleep', b'600'], [b'/bin/sleep'], True, (), None, None, -1, -1, -1, -1,"
     " -1, -1, *(os.pipe()), False, False, 0, None, None, None, -1, None, False)", "full", ""),
    ("patches-numpy", "import numpy\nfor _f in ('allclose', 'isclose', 'array_equal', 'array_equiv'):\n"
     "    setattr(numpy, _f, lambda *a, **k: True)", "hide", ""),
    ("patches-builtins", "import builtins\nbuiltins.isinstance = lambda *a, **k: True\n"
     "builtins.all = builtins.any = lambda *a, **k: True", "hide", ""),
    ("edits-sys-modules", "import sys, types\n_fake = types.ModuleType('numpy')\n"
     "_fake.allclose = lambda *a, **k: True\nsys.modules['numpy'] = _fake", "hide", ""),
    ("python-thread", "import threading, time, numpy\ndef _patch():\n    while True:\n"
     "        numpy.allclose = numpy.array_equal = lambda *a, **k: True\n        time.sleep(0.001)\n"
     "threading.Thread(target=_patch, daemon=True).start()", "hide", ""),
    ("c-thread", "import ctypes, numpy\n_CB = ctypes.CFUNCTYPE(ctypes.c_void_p, ctypes.c_void_p)\n"
     "@_CB\ndef _run(_):\n    numpy.allclose = lambda *a, **k: True\n    return None\n"
     "_libc = ctypes.CDLL(None)\n_tid = ctypes.c_ulong()\n"
     "_libc.pthread_create(ctypes.byref(_tid), None, _run, None)", "hide", ""),
    ("frames-and-gc", "import sys, gc, linecache\n_seen = [o for o in gc.get_objects() if isinstance(o, str) "
     "and 'HIDDEN' in o]\n_f = sys._getframe()\nwhile _f is not None:\n    _seen += [k for k in _f.f_globals]\n"
     "    _f = _f.f_back\n_seen += [''.join(linecache.getlines(n)) for n in list(linecache.cache)]\n"
     "raise RuntimeError('found: ' + repr(_seen))", "deps", "RuntimeError"),
    ("traceback-frames", "import sys\ntry:\n    raise ValueError\nexcept ValueError as _e:\n"
     "    _tb = _e.__traceback__.tb_frame\n_names = []\nwhile _tb is not None:\n    _names += list(_tb.f_locals)\n"
     "    _tb = _tb.f_back\nraise LookupError('frames: ' + repr(_names))", "deps", "LookupError"),
    ("replaces-the-grader", "try:\n    import book.grading.channel as _c\n    _c.Proxy.__call__ = lambda *a, **k: None\n"
     "except ImportError:\n    pass\nimport sys\nfor _m in list(sys.modules.values()):\n"
     "    if getattr(_m, '__name__', '') == 'wire':\n        _m.decode = lambda *a: True", "all", ""),
    ("forges-replies", "import os\nfor _fd in range(3, 12):\n    try:\n        os.write(_fd, b'\\xff' * 64)\n"
     "    except OSError:\n        pass", "deps", "not plain data"),
    ("smuggles-objects", "import sys, json, struct\n_w = sys.modules['wire']\n"
     "def _enc(v):\n    doc = json.dumps({'s': {'ok': True, 'stdout': '', 'cut': False, 'forbidden': [],\n"
     "        'result': {'nd': ['|O8', [1], 0]}, 'changed': {'s': {}}, 'names': {'s': {}}}}).encode()\n"
     "    return struct.pack('>II', len(doc), 1) + doc + struct.pack('>Q', 8) + b'\\0' * 8\n_w.encode = _enc",
     "deps", "not plain data"),
    ("infinite-loop", "while True:\n    pass", "deps", "did not finish within"),
    ("allocates-10gb", "import numpy\n_big = numpy.ones(10 * 2**30 // 8)", "deps", "ran out of memory"),
    ("os-exit", "import os\nos._exit(0)", "deps", "exited with status 0"),
    ("sys-exit", "import sys\nsys.exit(1)", "deps", "called sys.exit()"),
    ("kills-itself", "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)", "deps", "SIGKILL"),
    ("prints-100mb", "for _ in range(1_000_000):\n    print('x' * 99)", "deps", "printed more than"),
    ("huge-message", "raise ValueError('x' * 5_000_000)", "deps", "ValueError"),
    ("lone-surrogate", "_s = '\udcff'", "deps", "surrogates not allowed"),
    ("surrogates-at-run-time", "print('\\ud800 \\udcff')\nraise ValueError('bad \\ud800')", "deps", "ValueError: bad"),
]

# Return values that lie to NumPy: the function's result must be refused, not compared.
LIARS = {
    "array-function": "class Liar:\n    def __array_function__(self, *a, **k):\n        return True\n"
                      "    def __eq__(self, other):\n        return True\n",
    "array-ufunc": "class Liar:\n    __array_priority__ = 1000\n    def __array_ufunc__(self, *a, **k):\n"
                   "        return True\n",
    "eq": "class Liar:\n    def __eq__(self, other):\n        return True\n    __hash__ = None\n",
    "subclass": "import numpy\nclass Liar(numpy.ndarray):\n    def __eq__(self, other):\n"
                "        return numpy.ones(numpy.shape(other), bool).view(Liar)\n",
    "module": "import types\nclass Liar:\n    pass\n_m = types.ModuleType('m')\n",
}


def liar_answer(source: str, kind: str) -> str:
    """The answer with its function made to return a liar."""
    fn = _first_fn(source)
    make = "_m" if kind == "module" else "numpy.zeros(3).view(Liar)" if kind == "subclass" else "Liar()"
    return (LIARS[kind] + source + f"\n_real_{fn} = {fn}\ndef {fn}(*args, **kwargs):\n"
            f"    _real_{fn}(*args, **kwargs)\n    return {make}\n")


def hostile_cases() -> list[Case]:
    """Broken and hostile notebooks over every exercise, each with the grade it must get."""
    cases = []
    for k, ex in enumerate(EXERCISES):
        n = ex.name[:2]
        sol = solution_answers(ex)
        m = load_mistakes(ex)[0]
        mfails = set(m["fails"])
        a = next(iter(ex.answers))                  # the first answer: the attacks' home
        deps = dependents(ex, a)
        for j, (name, code, outcome, why) in enumerate(ATTACKS):
            if j % len(EXERCISES) != k:
                continue                             # each attack once, spread over the exercises
            if outcome == "hide":
                answers = _one(ex, m["answer"], code, wrong=True)
                cases.append(Case(f"h{n}-{name}", ex.name, write(filled(ex, answers)), fails=mfails))
            else:
                answers = _one(ex, a, code)
                fails = deps if outcome == "deps" else set(ex.questions) if outcome == "all" else set()
                cases.append(Case(f"h{n}-{name}", ex.name, write(filled(ex, answers)), fails=fails, why=why))
        kinds = list(LIARS)
        for kind in (kinds if k == 0 else [kinds[k % len(kinds)]]):
            answers = dict(sol, **{a: liar_answer(sol[a], kind)})
            direct = {q.id for q in ex.questions.values() if q.depends == (a,)}
            cases.append(Case(f"h{n}-liar-{kind}", ex.name, write(filled(ex, answers)), fails=deps,
                              why="return a NumPy array or a number", why_in=direct or None))
    cases += _notebook_cases(HOSTILE)
    ex4 = next(e for e in EXERCISES if e.name.startswith("04"))
    sol4 = solution_answers(ex4)
    loop = "softmax_loss_vectorized"
    for name, body in (("forbidden-import", "from book.layers import affine_backward as _ab\n"),
                       ("forbidden-attribute", "import book.linear\n_f = book.linear.linear_loss_and_grads\n")):
        answers = dict(sol4, **{loop: body + sol4[loop]})
        cases.append(Case(f"h04-{name}", ex4.name, write(filled(ex4, answers)), fails=dependents(ex4, loop),
                          why="off-limits", flag=("forbidden", "off-limits")))
    return cases


def _notebook_cases(ex) -> list[Case]:
    """Notebooks broken as files: unreadable, another exercise's, edited tests and points, odd sources."""
    sol = solution_answers(ex)
    a = next(iter(ex.answers))
    deps = dependents(ex, a)
    name = ex.name
    cases = [
        Case("h-invalid-json", name, b'{"cells": [', status="could_not_run", reason="json"),
        Case("h-empty-file", name, b"", status="could_not_run", reason="empty"),
        Case("h-nbformat3", name, json.dumps({"nbformat": 3, "nbformat_minor": 0, "metadata": {},
                                              "worksheets": [{"cells": []}]}).encode(),
             status="could_not_run", reason="nbformat"),
        Case("h-not-utf8", name, b'{"cells": [], "x": "\xff\xfe"}', status="could_not_run", reason="unreadable"),
    ]
    other = next(e for e in EXERCISES if e.name != ex.name)
    cases.append(Case("h-wrong-exercise", name, write(filled(other, solution_answers(other))),
                      status="could_not_run", reason="wrong_exercise"))

    nb = filled(ex, sol)
    del nb.cells[ex.answers[a]]
    cases.append(Case("h-answer-deleted", name, write(nb), fails=deps, why="no code cell for the answer"))

    nb = released(ex)
    for q in ex.questions.values():
        nb.cells[q.cell].source = "assert True"
    cases.append(Case("h-tests-assert-true", name, write(nb), fails=set(ex.questions), why="Replace this line"))

    nb = filled(ex, sol)
    for q in ex.questions.values():
        nb.cells[q.cell].metadata["grading"]["points"] = q.points * 100
    nb.metadata["grading"]["total_points"] = ex.total_points * 100
    cases.append(Case("h-points-inflated", name, write(nb)))

    nb = released(ex)
    for k, cid in enumerate(ex.answers):
        nb.cells.append(nbformat.v4.new_code_cell(
            "assert True", metadata={"grading": {"id": f"test_bonus_{k}", "kind": "test", "points": 100,
                                                 "depends": [cid]}}))
    cases.append(Case("h-extra-test-cells", name, write(nb), fails=set(ex.questions), why="Replace this line"))

    nb = released(ex)
    for n_cell, cell in enumerate(c for c in nb.cells if c.cell_type == "code"):
        cell.execution_count = n_cell + 1
        cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="all tests passed\n")]
    cases.append(Case("h-outputs-pasted", name, write(nb), fails=set(ex.questions), why="Replace this line"))

    nb = filled(ex, sol)
    code = [c for c in nb.cells if c.cell_type == "code"]
    nb.cells = [c for c in nb.cells if c.cell_type != "code"] + code[::-1]
    cases.append(Case("h-cells-reordered", name, write(nb)))

    nb = filled(ex, dict(sol, **{a: "# NBVAL_SKIP\n" + sol[a]}))
    cases.append(Case("h-nbval-skip-marker", name, write(nb)))

    nb = released(ex)
    dup = copy.deepcopy(nb.cells[ex.answers[a]])
    dup.source = sol[a]
    dup.id = "copied-cell"
    nb.cells.insert(ex.answers[a] + 1, dup)
    cases.append(Case("h-answer-cell-duplicated", name, write(nb),
                      fails={q.id for q in ex.questions.values() if set(q.depends) - {a}},
                      why="Replace this line", flag=("note", "cells carry")))

    raw = json.loads(write(filled(ex, sol)))
    raw["cells"][ex.answers[a]]["source"] = 42
    cases.append(Case("h-source-a-number", name, json.dumps(raw).encode(), fails=deps, why="NameError"))
    raw["cells"][ex.answers[a]]["source"] = ["def broken(", 7, {"x": 1}]
    cases.append(Case("h-source-odd-list", name, json.dumps(raw).encode(), fails=deps, why="SyntaxError"))

    noisy = "\n".join(f"_x{k} = __import__('gc').get_objects" for k in range(3000))
    cases.append(Case("h-huge-findings", name, write(filled(ex, dict(sol, **{a: noisy + "\n" + sol[a]}))),
                      flag=("suspect", "")))
    return cases


def write_folder(cases, root: Path) -> Path:
    """A folder per student: root/<student>/<exercise>.ipynb."""
    for c in cases:
        path = root / c.student / f"{c.exercise}.ipynb"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(c.data)
    return root


# Submissions that are not plain notebook files: (student, how the file is made, expected reason phrase).
SPECIAL = [("h-fifo", "fifo", "not a regular file"), ("h-device", "device", "not a regular file"),
           ("h-symlink", "symlink", "symbolic link")]
NAMED = ["=HYPERLINK(\"x\")", "+cmd", "@SUM(A1)", "+-2", "Alice", "alice", "st\udcffudent"]


def special_cases() -> list[Case]:
    """Files that are not notebooks (fifo, device, link) and students with awkward names."""
    cases = [Case(student, HOSTILE.name, b"", status="could_not_run", reason="unsafe", why=why)
             for student, _, why in SPECIAL]
    cases += [Case(name, HOSTILE.name, b"{", status="could_not_run", reason="json") for name in NAMED]
    return cases


def write_flat(cases, root: Path) -> Path:
    """A flat folder: root/<student>_<exercise>.ipynb; the special cases as a fifo, a device node, a link."""
    import os
    import stat

    root.mkdir(parents=True, exist_ok=True)
    kinds = {student: kind for student, kind, _ in SPECIAL}
    for c in cases:
        path = root / f"{c.student}_{c.exercise}.ipynb"
        kind = kinds.get(c.student)
        if kind == "fifo":
            os.mkfifo(path)
        elif kind == "device":
            os.mknod(path, stat.S_IFCHR | 0o600, os.makedev(1, 3))
        elif kind == "symlink":
            path.symlink_to(ROOT / "solutions" / f"{c.exercise}.ipynb")
        else:
            path.write_bytes(c.data)
    (root / "h-linked-folder").symlink_to(ROOT / "solutions", target_is_directory=True)
    return root


def zip_cases() -> list[Case]:
    name = HOSTILE.name
    sol = write(filled(HOSTILE, solution_answers(HOSTILE)))
    return [Case("z-honest", name, sol),
            Case("z-traversal", name, sol, status="could_not_run", reason="unsafe", why="outside the archive"),
            Case("z-bomb", name, b"", status="could_not_run", reason="unsafe", why="unpacks to more than"),
            Case("z-corrupt", name, sol, status="could_not_run", reason="unsafe", why="corrupt"),
            Case("z-clash", name, sol, status="could_not_run", reason="unsafe", why="both as a file and as a folder"),
            Case("z-twice", name, sol, status="could_not_run", reason="unsafe", why="more than once"),
            Case("z-link", name, sol, status="could_not_run", reason="unsafe", why="symbolic link")]


def write_zip_attacks(path: Path) -> Path:
    """A flat .zip whose members attack the unpacking, one student each, and one honest notebook."""
    name = HOSTILE.name
    sol = write(filled(HOSTILE, solution_answers(HOSTILE)))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(f"z-honest_{name}.ipynb", sol)
        zf.writestr(f"../../z-traversal_{name}.ipynb", sol)
        zf.writestr(f"z-bomb_{name}.ipynb", b"\0" * (70 * 2**20))
        zf.writestr(f"z-corrupt_{name}.ipynb", sol)
        zf.writestr(f"z-clash_{name}.ipynb", sol)
        zf.writestr(f"z-clash_{name}.ipynb/inner_{name}.ipynb", sol)
        zf.writestr(f"z-twice_{name}.ipynb", sol)
        zf.writestr(f"z-twice_{name}.ipynb", b"{}")
        link = zipfile.ZipInfo(f"z-link_{name}.ipynb")
        link.external_attr = (0o120777 << 16)
        zf.writestr(link, str(ROOT / "solutions" / f"{name}.ipynb"))
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo(f"z-corrupt_{name}.ipynb")
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    for k in range(start + 10, start + 60):
        data[k] ^= 0x5A
    path.write_bytes(bytes(data))
    return path


def grade_cmd(submissions, out, *extra) -> list[str]:
    """The grading command, as an instructor types it."""
    return [sys.executable, "-m", "book.grading", "grade", str(submissions), "--out", str(out),
            "--root", str(ROOT), *extra]


def snapshot(folder: Path) -> dict:
    """Every regular file under `folder` with its bytes and modification time (links not followed)."""
    return {p: (p.read_bytes(), p.lstat().st_mtime_ns) for p in sorted(folder.rglob("*"))
            if p.is_file() and not p.is_symlink()}
