"""How the answer process is started: under bubblewrap, or (when asked) as a plain process.

Under bubblewrap (``bwrap``) the answer process gets

* its own network namespace (no network at all, not even 127.0.0.1), PID namespace (every process
  it starts dies with it; ``--die-with-parent``), IPC and UTS namespaces, and a new session;
* a read-only view of the system's ``/usr``, ``/lib`` and ``/bin``, the Python environment, and a
  copy of the ``book`` package (without ``book/grading`` and without the modules the exercise puts
  off-limits), and nothing else: not the course, the submissions, OUT or any home folder;
* a private ``/tmp`` (tmpfs) of at most 64 MB; no capabilities, no new privileges;
* limits set by the process itself before it reads any student code: address space (``--memory``),
  CPU seconds, open files, file size, no core files; when the grader runs as root, it becomes the
  user ``nobody`` inside, so a limit on processes applies too.

``--sandbox none`` starts ``python answers.py`` as a plain child with the same limits; nothing then
keeps it from the file system or the network, and the outputs say so.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import book

INSTALL_HINT = ("install bubblewrap (Debian/Ubuntu: sudo apt-get install bubblewrap; Fedora: sudo dnf install "
                "bubblewrap), or pass --sandbox none to grade without a sandbox (the outputs will say so)")
INSIDE = "/opt/lcb"
SYSTEM = ["/usr", "/lib", "/lib64", "/lib32", "/bin", "/sbin"]
TMP_BYTES = 64 * 2**20
NOBODY = 65534


class SandboxError(RuntimeError):
    """The sandbox cannot be used; the message says how to fix it."""


def bwrap() -> str | None:
    return shutil.which("bwrap")


def python_roots() -> list[str]:
    """The folders the Python environment lives in (interpreter, standard library, site-packages)."""
    paths = {sys.prefix, sys.base_prefix, sys.exec_prefix, os.path.dirname(os.path.realpath(sys.executable))}
    paths.update(v for k, v in sysconfig.get_paths().items() if k in ("stdlib", "platstdlib", "purelib", "platlib"))
    out = []
    for p in sorted({os.path.realpath(p) for p in paths if p}):
        if any(p == s or p.startswith(s + "/") for s in SYSTEM):
            continue
        if any(p.startswith(q + "/") for q in out):
            continue
        out.append(p)
    return out


def prepare(dest: Path, forbidden_modules=()) -> Path:
    """Lay out what the answer process may read under `dest`: lib/book (a copy of the package without
    book/grading, caches and off-limits modules) and runner/ (the answer server and the wire format)."""
    src = Path(book.__file__).resolve().parent
    skip = {f.split(".", 1)[1] for f in forbidden_modules if f.startswith("book.")}

    def ignore(folder, names):
        rel = Path(folder).relative_to(src).parts
        out = set()
        for n in names:
            dotted = ".".join((*rel, n[:-3] if n.endswith(".py") else n))
            if n == "__pycache__" or (not rel and n == "grading") or dotted in skip:
                out.add(n)
        return out

    shutil.copytree(src, dest / "lib" / "book", ignore=ignore)
    (dest / "runner").mkdir(parents=True)
    here = Path(__file__).resolve().parent
    for name in ("answers.py", "wire.py"):
        shutil.copy2(here / name, dest / "runner" / name)
    for p in dest.rglob("*"):
        p.chmod(0o755 if p.is_dir() else 0o644)
    dest.chmod(0o755)
    return dest


def env() -> dict:
    return {"PATH": "/usr/bin:/bin", "HOME": "/tmp", "TMPDIR": "/tmp", "LANG": "C.UTF-8", "PYTHONHASHSEED": "0",
            "PYTHONDONTWRITEBYTECODE": "1", "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1",
            "MKL_NUM_THREADS": "1", "MPLBACKEND": "Agg"}


def command(mode: str, runner: Path) -> list[str]:
    """The argv that starts the answer process (its stdin and stdout are the channel)."""
    if mode == "none":
        return [sys.executable, "-I", str(runner / "runner" / "answers.py"), str(runner / "lib")]
    exe = bwrap()
    if exe is None:
        raise SandboxError(f"bubblewrap (bwrap) is not installed: {INSTALL_HINT}")
    root = os.geteuid() == 0
    args = [exe, "--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts", "--unshare-cgroup-try",
            "--die-with-parent", "--new-session"]
    if root:  # the process becomes nobody itself, once its limits are set
        args += ["--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"]
    else:
        args += ["--unshare-user"]
    for s in SYSTEM:
        args += ["--ro-bind-try", s, s]
    made = set()
    for p in python_roots() + [INSIDE]:
        parts = Path(p).parts
        for k in range(2, len(parts)):
            d = str(Path(*parts[:k]))
            if d not in made and not any(d == s or d.startswith(s + "/") for s in SYSTEM):
                args += ["--perms", "0755", "--dir", d]
                made.add(d)
        if p != INSIDE:
            args += ["--ro-bind", p, p]
    args += ["--ro-bind", str(runner), INSIDE, "--proc", "/proc", "--dev", "/dev",
             "--perms", "01777", "--size", str(TMP_BYTES), "--tmpfs", "/tmp", "--chdir", "/tmp", "--clearenv"]
    for k, v in env().items():
        args += ["--setenv", k, v]
    return args + [os.path.realpath(sys.executable), "-I", f"{INSIDE}/runner/answers.py", f"{INSIDE}/lib"]


def rlimits(memory_mb: int, cpu_seconds: float) -> dict:
    out = {"RLIMIT_AS": memory_mb * 2**20, "RLIMIT_CPU": int(cpu_seconds) + 1, "RLIMIT_NOFILE": 64,
           "RLIMIT_FSIZE": TMP_BYTES, "RLIMIT_CORE": 0}
    if os.geteuid() == 0:
        out["RLIMIT_NPROC"] = 64
    return out


def probe(runner: Path) -> None:
    """Start one sandboxed Python and check it runs; raise SandboxError saying why not."""
    argv = command("bwrap", runner)[:-4] + [os.path.realpath(sys.executable), "-I", "-c", "print('ok')"]
    try:
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as e:
        raise SandboxError(f"bubblewrap could not be started ({e}): {INSTALL_HINT}") from e
    if proc.returncode != 0 or proc.stdout.strip() != "ok":
        why = (proc.stderr.strip().splitlines() or ["no message"])[-1][:300]
        raise SandboxError(f"bubblewrap is installed but cannot make a sandbox here ({why}); this needs "
                           "unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1, or in a "
                           "container: run it with user namespaces allowed), or pass --sandbox none")


def split_forbidden(names) -> tuple[list[str], list[str]]:
    """(modules, module attributes) among dotted names like ``book.layers``, ``book.linear.f``."""
    import importlib.util

    modules, attrs = [], []
    for name in names:
        try:
            spec = importlib.util.find_spec(name)
        except (ImportError, ValueError, AttributeError):
            spec = None
        (modules if spec is not None else attrs).append(name)
    return modules, attrs


def channel_config(mode: str, runner: Path, memory_mb: int, cpu_seconds: float, forbidden=()) -> dict:
    """How the trusted kernel starts the answer process (see :mod:`book.grading.channel`)."""
    modules, attrs = split_forbidden(forbidden)
    cfg = {"mode": mode, "argv": command(mode, runner), "rlimits": rlimits(memory_mb, cpu_seconds),
           "drop_to": NOBODY if mode == "bwrap" and os.geteuid() == 0 else None,
           "forbidden_modules": modules, "forbidden_attrs": attrs}
    if mode == "none":
        cfg.update(cwd="", env=env())
    return cfg


class Runners:
    """The read-only folders the answer processes see, one per set of off-limits modules."""

    def __init__(self, mode: str):
        import tempfile

        self.mode = mode
        self.base = Path(tempfile.mkdtemp(prefix="lcb-answers-"))
        os.chmod(self.base, 0o755)
        self.made: dict[tuple, Path] = {}
        if mode == "bwrap":
            if bwrap() is None:
                self.close()
                raise SandboxError(f"bubblewrap (bwrap) is not installed: {INSTALL_HINT}")
            try:
                probe(self.get(()))
            except SandboxError:
                self.close()
                raise
        elif mode != "none":
            raise SandboxError(f"--sandbox must be bwrap or none, got {mode!r}")

    def get(self, forbidden) -> Path:
        key = tuple(sorted(forbidden))
        if key not in self.made:
            modules, _ = split_forbidden(key)
            self.made[key] = prepare(self.base / f"r{len(self.made)}", modules)
        return self.made[key]

    def config(self, forbidden, memory_mb, cpu_seconds) -> dict:
        return channel_config(self.mode, self.get(forbidden), memory_mb, cpu_seconds, forbidden)

    def close(self):
        shutil.rmtree(self.base, ignore_errors=True)
