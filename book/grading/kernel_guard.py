"""Guards that run inside the kernel while a submission is graded.

The grader does not import this module: it sends its text to the kernel as the first cell of the
assembled notebook, which calls :func:`install` with the grader's settings. From then on:

* **output cap**: ``sys.stdout`` and ``sys.stderr`` keep at most ``output_cap`` bytes per cell
  (the grader's pytest plugin caps what reaches it too, for output written to file descriptors);
* **audit hook** (``sys.addaudithook``, which cannot be removed once added): reading or listing
  the protected folders (the course, but for its ``book`` package; the submissions; the grader's
  output and its own files), opening any ``.ipynb``, and writing anywhere but the run's temporary
  folder fail with ``PermissionError``; so do starting processes, ``ctypes``, the network,
  ``gc.get_objects`` and signalling other processes. Each attempt is reported;
* **integrity check**, run by the plugin after every cell through ``end()``: the functions and
  classes of NumPy, ``builtins``, IPython and ipykernel (and of every package the instructor's
  cells import), ``sys.modules``, trace and profile hooks, IPython's input and AST transformers,
  and the names the instructor's cells bound in the notebook's namespace are compared with a
  snapshot taken before any student code ran; anything changed is put back and reported.

The check also runs right after each cell (IPython's ``post_run_cell`` event), so the kernel's own
machinery never runs long on patched builtins. The guard's functions see a private copy of the
builtins. All of this runs in the same process as the student's code, so it raises the bar
without being a sandbox: README.md ("Grading") states what it cannot prevent.
"""


def install(cfg):
    import builtins
    import json
    import linecache
    import os
    import sys
    import threading
    import types

    from IPython import get_ipython

    shell = get_ipython()
    nonce = cfg["nonce"]
    cap = int(cfg["output_cap"])
    findings = []  # (severity, text), filled between two calls of end()
    state = {"bytes": 0, "cut": False}

    # -- output cap -------------------------------------------------------------------------
    class CappedStream:
        """Forward writes to a stream until the cell has written `cap` bytes, then drop them."""

        def __init__(self, stream):
            object.__setattr__(self, "_stream", stream)

        def write(self, text):
            n = len(text)
            if state["cut"]:
                return n
            room = cap - state["bytes"]
            if n > room:
                state["cut"] = True
                state["bytes"] = cap
                if room > 0:
                    self._stream.write(text[:room])
                self._stream.write(f"\n[the grader dropped the rest: more than {cap} bytes of output]\n")
                return n
            state["bytes"] += n
            return self._stream.write(text)

        def writelines(self, lines):
            for line in lines:
                self.write(line)

        def __getattr__(self, name):
            return getattr(self._stream, name)

    sys.stdout = CappedStream(sys.stdout)
    sys.stderr = CappedStream(sys.stderr)

    # -- audit hook ---------------------------------------------------------------------------
    def real(p):
        return os.path.realpath(os.fsdecode(p))

    protect_read = tuple(real(p) for p in cfg.get("protect_read", ()))
    allow_read = tuple(real(p) for p in cfg.get("allow_read", ()))
    allow_write = tuple(real(p) for p in cfg.get("allow_write", ()))
    secret = tuple(real(p) for p in cfg.get("secret", ()))  # the grader's own files: never
    own_pid = os.getpid()
    installing = [True]

    def under(path, roots):
        return any(path == r or path.startswith(r.rstrip(os.sep) + os.sep) for r in roots)

    def hidden(path):
        return under(path, secret) or (under(path, protect_read) and not under(path, allow_read))

    def unwritable(path):
        return under(path, secret) or (bool(allow_write) and not under(path, allow_write))

    def deny(severity, what):
        findings.append((severity, what))
        raise PermissionError(f"the grader does not allow {what}")

    PROCESS_EVENTS = {"subprocess.Popen", "os.system", "os.exec", "os.posix_spawn", "os.spawn",
                      "os.fork", "os.forkpty", "pty.spawn"}
    INTROSPECTION = {"gc.get_objects", "gc.get_referrers", "gc.get_referents"}
    CHANGE_EVENTS = {"os.remove", "os.rename", "os.rmdir", "os.mkdir", "os.chmod", "os.chown",
                     "os.symlink", "os.link", "os.truncate", "os.utime", "shutil.rmtree",
                     "shutil.copyfile", "shutil.copytree", "shutil.move"}
    LIST_EVENTS = {"os.listdir", "os.scandir", "glob.glob", "glob.glob/2"}
    NETWORK_EVENTS = {"socket.connect", "socket.bind", "socket.sendto", "socket.sendmsg", "socket.getaddrinfo"}

    def hook(event, args):
        if installing[0]:
            return
        if event == "open":
            path, mode = args[0], args[1]
            if isinstance(path, int) or path is None:
                return
            p = real(path)
            writing = isinstance(mode, str) and any(c in mode for c in "wax+")
            flags = args[2] if len(args) > 2 and isinstance(args[2], int) else 0
            writing = writing or bool(flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC))
            if p.endswith(".ipynb") or hidden(p):
                deny("tamper", f"reading {p}")
            if writing and unwritable(p):
                deny("tamper", f"writing {p}")
        elif event in LIST_EVENTS:
            if args and isinstance(args[0], (str, bytes, os.PathLike)):
                p = real(args[0])
                if hidden(p) and not any(under(a, (p,)) for a in allow_read):
                    deny("tamper", f"listing {p}")
        elif event in CHANGE_EVENTS:
            for a in args[:2]:
                if isinstance(a, (str, bytes, os.PathLike)) and unwritable(real(a)):
                    deny("tamper", f"changing {real(a)}")
        elif event == "sqlite3.connect":
            if args and isinstance(args[0], (str, bytes, os.PathLike)) and args[0] != ":memory:" \
                    and unwritable(real(args[0])):
                deny("tamper", f"opening the database {real(args[0])}")
        elif event in PROCESS_EVENTS:
            deny("tamper", "starting another process")
        elif event.startswith("ctypes."):
            deny("tamper", f"using ctypes ({event})")
        elif event in NETWORK_EVENTS:
            deny("tamper", "using the network")
        elif event in INTROSPECTION:
            deny("tamper", f"{event}()")
        elif event == "object.__setattr__":
            if id(args[0]) in funcs:
                dirty.add(id(args[0]))
        elif event in ("os.kill", "os.killpg"):
            if event == "os.killpg" or args[0] not in (own_pid, 0):
                deny("tamper", "signalling another process")

    sys.addaudithook(hook)

    def no_process(*args, **kwargs):
        findings.append(("tamper", "starting another process"))
        raise PermissionError("the grader does not allow starting another process")

    for name in ("_posixsubprocess", "subprocess"):  # the one way to start a process no audit event sees
        module = sys.modules.get(name) or __import__(name)
        for attr in ("fork_exec", "_fork_exec"):
            if hasattr(module, attr):
                setattr(module, attr, no_process)

    # -- snapshot -----------------------------------------------------------------------------
    packages = set(cfg.get("watch", ())) | {"builtins", "numpy", "math", "operator", "functools",
                                            "IPython", "ipykernel", "jupyter_client", "comm"}
    for name in sorted(packages):
        try:
            __import__(name)
        except Exception:
            pass
    trap = {"exit", "quit", "get_ipython", "input", "raw_input", "_", "__", "___"}
    strict = ("builtins", "numpy", "numpy.linalg", "numpy.random", "numpy.testing", "math", "cmath",
              "operator")  # every value of these modules is watched; elsewhere, only code and classes

    def guarded(value):
        return callable(value) or isinstance(value, (types.ModuleType, staticmethod, classmethod, property))

    modules = {}  # name -> (module, {key: value})
    funcs = {}    # id -> (function, code, defaults, kwdefaults); changes to these are audited events
    classes = {}  # id -> (class, {key: value}); Python classes only, C types cannot be changed
    dirty = set()  # ids of watched functions whose code or defaults were set since the last check

    def snap_class(cls):
        if id(cls) in classes or cls.__flags__ & (1 << 8):  # Py_TPFLAGS_IMMUTABLETYPE
            return
        classes[id(cls)] = (cls, {k: v for k, v in dict(cls.__dict__).items() if guarded(v)})

    def snap_modules():
        for name, module in list(sys.modules.items()):
            if name in modules or not isinstance(module, types.ModuleType):
                continue
            top = name.split(".")[0]
            if top not in packages:
                continue
            d = {k: v for k, v in vars(module).items() if (name in strict or guarded(v)) and k not in trap}
            modules[name] = (module, d)
            for v in d.values():
                if isinstance(v, types.FunctionType):
                    funcs.setdefault(id(v), (v, v.__code__, v.__defaults__, v.__kwdefaults__))
                elif isinstance(v, type) and top in instructor and getattr(v, "__module__", "") == name:
                    snap_class(v)

    instructor = set(cfg.get("watch", ())) | {"numpy"}
    snap_modules()
    kernel = getattr(shell, "kernel", None)
    key_objects = [o for o in (shell, kernel, getattr(kernel, "session", None), shell.displayhook,
                               shell.display_pub, shell.compile, shell.events, sys.stdout._stream,
                               sys.stderr._stream) if o is not None]
    for obj in key_objects:
        for cls in type(obj).__mro__:
            snap_class(cls)
    key_attrs = [(obj, {k: v for k, v in vars(obj).items() if callable(v)}) for obj in key_objects
                 if hasattr(obj, "__dict__")]
    sys_funcs = {k: v for k, v in vars(sys).items() if isinstance(v, types.BuiltinFunctionType)}
    sys_modules = dict(sys.modules)
    hooks = (sys.gettrace(), sys.getprofile(), threading._trace_hook, threading._profile_hook)
    shell_lists = {k: list(getattr(shell, k)) for k in
                   ("input_transformers_cleanup", "input_transformers_post", "ast_transformers")
                   if isinstance(getattr(shell, k, None), list)}
    def after_cell(result=None):
        findings.extend(check(full=False))  # put back at once what the kernel itself trips on

    shell.events.register("post_run_cell", after_cell)
    callbacks = {k: list(v) for k, v in shell.events.callbacks.items()}
    namespaces = (shell.user_ns, shell.user_global_ns)
    threads = set(sys._current_frames())
    reported_threads = set()
    recorded = {}  # name -> object, bound by the instructor's cells
    builtin_reads = [n for n in cfg.get("builtin_reads", ()) if hasattr(builtins, n)]

    # -- check and restore --------------------------------------------------------------------
    def check(full=True, own=()):
        """Compare with the snapshot, put back what changed, and say what it was.

        The quick check (after every cell, inside the kernel) covers builtins, NumPy's main modules,
        sys and the kernel's own objects; the full one (when the grader asks) everything watched,
        and the names the exercise's cells bound, but for `own`, those the cell just run binds itself.
        """
        found = []
        for name in (sorted(modules, key=lambda n: n != "builtins") if full else [n for n in strict if n in modules]):
            module, d = modules[name]
            now = vars(module)
            for k, v in d.items():
                if now.get(k) is not v:
                    found.append(("tamper", f"{name}.{k} was {'replaced' if k in now else 'deleted'}"))
                    now[k] = v
        for f, code, defaults, kwdefaults in [funcs[i] for i in list(dirty) if i in funcs]:
            dirty.discard(id(f))
            if f.__code__ is not code or f.__defaults__ is not defaults or f.__kwdefaults__ is not kwdefaults:
                found.append(("tamper", f"the code of {f.__module__}.{f.__qualname__} was changed"))
                f.__code__, f.__defaults__, f.__kwdefaults__ = code, defaults, kwdefaults
        for cls, d in (classes.values() if full else ()):
            now = cls.__dict__
            for k in [k for k in now if k not in d and guarded(now[k])]:
                found.append(("tamper", f"{cls.__module__}.{cls.__qualname__}.{k} was added"))
                try:
                    type.__delattr__(cls, k)
                except Exception:
                    pass
            for k, v in d.items():
                if now.get(k) is not v:
                    found.append(("tamper", f"{cls.__module__}.{cls.__qualname__}.{k} was replaced"))
                    try:
                        type.__setattr__(cls, k, v)
                    except Exception:
                        pass
        for k, v in sys_funcs.items():
            if getattr(sys, k, None) is not v:
                found.append(("tamper", f"sys.{k} was replaced"))
                setattr(sys, k, v)
        for k, v in (sys_modules.items() if full else ()):
            if sys.modules.get(k) is not v:
                found.append(("tamper", f"sys.modules[{k!r}] was {'replaced' if k in sys.modules else 'removed'}"))
                sys.modules[k] = v
        for k, v in (list(sys.modules.items()) if full else ()):
            if k in sys_modules:
                continue
            if not isinstance(v, types.ModuleType) or (
                    k.split(".")[0] in packages and getattr(v, "__spec__", None) is None):
                found.append(("tamper", f"sys.modules[{k!r}] was set to an object no import made"))
                del sys.modules[k]
        now_hooks = (sys.gettrace(), sys.getprofile(), threading._trace_hook, threading._profile_hook)
        if now_hooks != hooks:
            found.append(("tamper", "a trace or profile function was installed"))
            sys.settrace(hooks[0])
            sys.setprofile(hooks[1])
            threading._trace_hook, threading._profile_hook = hooks[2], hooks[3]
        for k, v in shell_lists.items():
            if getattr(shell, k) != v:
                found.append(("tamper", f"IPython's {k} were changed"))
                getattr(shell, k)[:] = v
        if {k: list(v) for k, v in shell.events.callbacks.items()} != callbacks:
            found.append(("tamper", "IPython's event callbacks were changed"))
            for k, v in callbacks.items():
                shell.events.callbacks[k][:] = v
        for obj, attrs in key_attrs:
            now = vars(obj)
            for k, v in list(now.items()):
                if callable(v) and attrs.get(k) is not v:
                    found.append(("tamper", f"{type(obj).__name__}.{k} of the running kernel was replaced"))
                    if k not in attrs:
                        del now[k]
            for k, v in attrs.items():
                if now.get(k) is not v:
                    now[k] = v
        if shell.user_ns is not namespaces[0] or shell.user_global_ns is not namespaces[1]:
            found.append(("tamper", "the notebook's namespace was replaced"))
        ns = shell.user_ns
        for k, v in (recorded.items() if full else ()):
            if k not in own and ns.get(k, recorded) is not v:
                if isinstance(v, (types.ModuleType, types.FunctionType, type)):
                    found.append(("note", f"the name {k!r}, which the exercise's own cells define, was "
                                          "rebound; the tests used the exercise's"))
                ns[k] = v
        for k in builtin_reads:
            if k in ns and k not in recorded and ns[k] is not getattr(builtins, k):
                found.append(("note", f"the built-in {k!r} was shadowed; the tests used the built-in"))
                del ns[k]
        extra = foreign_threads()
        if extra - reported_threads:
            found.append(("tamper", f"{len(extra - reported_threads)} thread(s) started by the answers kept running"))
            reported_threads.update(extra)
        return found

    def foreign_threads():
        """Threads, started since install, running code that was typed into a cell."""
        out = set()
        for ident, frame in sys._current_frames().items():
            if ident in threads:
                continue
            while frame is not None:
                name = frame.f_code.co_filename
                if name.startswith("<") or not os.path.exists(name):
                    out.add(ident)
                    break
                frame = frame.f_back
        return out

    def end(role, assigns=()):
        """Called by the grader after each cell: check, restore, record; return a JSON report."""
        found = findings[:] + check(own=() if role == "answer" else set(assigns))
        del findings[:]
        if role != "answer":
            ns = shell.user_ns
            for k in assigns:
                if k in ns:
                    recorded[k] = ns[k]
            if role in ("guard", "setup"):
                snap_modules()
                for k, v in list(sys.modules.items()):
                    sys_modules.setdefault(k, v)
        report = {"nonce": nonce, "findings": found, "output_bytes": state["bytes"], "output_cut": state["cut"],
                  "threads": bool(foreign_threads())}
        state["bytes"], state["cut"] = 0, False
        return json.dumps(report)

    module = types.ModuleType(f"_grader_{nonce}")
    module.end = end
    sys.modules[module.__name__] = module
    sys_modules[module.__name__] = module
    for key in [k for k, v in linecache.cache.items() if nonce in "".join(v[2] if len(v) > 2 else [])]:
        del linecache.cache[key]
    installing[0] = False
