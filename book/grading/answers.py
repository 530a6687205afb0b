"""The answer process: runs a student's answer cells (and the instructor's set-up cells), and
answers calls from the trusted kernel. Everything here may be rewritten by the code it runs; the
trusted side therefore believes nothing it sends but plain data (see :mod:`wire`).

Started as ``python answers.py`` inside the sandbox (see :mod:`book.grading.sandbox`), with the
channel on its stdin and stdout. It moves the channel to other file descriptors, points 0, 1 and 2
at the null device, reads an ``init`` message (limits, names that are off-limits, the user to
become), then serves one request at a time:

* ``{"op": "exec", "cell": i, "source": ..., "names": [...]}``: run a cell in the one namespace;
  reply with what each of `names` now is (a function, plain data, missing, or something else);
* ``{"op": "call", "name": ..., "args": [...], "kwargs": {...}}``: call a function; reply with its
  result, and the new value of each array, list or dict argument it changed in place.

Every reply carries the output printed (capped), an error (type, message, traceback lines from the
answer cells only) or the exit code of ``sys.exit``, and the off-limits names the code reached for.
"""
import builtins
import io
import linecache
import os
import sys
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import wire  # noqa: E402

MAX_MESSAGE = 2000
MAX_TB = 20


class StudentCodeError(Exception):
    pass


class Capped(io.TextIOBase):
    def __init__(self, cap):
        self.cap, self.parts, self.size, self.cut = cap, [], 0, False

    def write(self, s):
        if not isinstance(s, str):
            raise TypeError(f"write() argument must be str, not {type(s).__name__}")
        if self.size + len(s) > self.cap:
            self.parts.append(s[: max(0, self.cap - self.size)])
            self.size = self.cap
            self.cut = True
        elif not self.cut:
            self.parts.append(s)
            self.size += len(s)
        return len(s)

    def writable(self):
        return True

    def text(self):
        return "".join(self.parts)


def _text(x) -> str:
    try:
        s = str(x)
    except BaseException:
        s = "(a message that could not be shown)"
    if not isinstance(s, str):
        s = "(a message that could not be shown)"
    return s[:MAX_MESSAGE]


def _error(e: BaseException) -> dict:
    t = type(e)
    base = next((c for c in t.__mro__ if getattr(c, "__module__", None) == "builtins"
                 and c not in (BaseException, Exception, object)), None)
    message = _text(e)
    if base is None:
        name, message = "StudentCodeError", f"{wire.type_name(e)}: {message}"[:MAX_MESSAGE]
    else:
        name = base.__name__
        if base is not t:
            message = f"{wire.type_name(e)}: {message}"[:MAX_MESSAGE]
    lines = []
    try:
        for fr in traceback.extract_tb(e.__traceback__):
            if isinstance(fr.filename, str) and fr.filename.startswith("<answer "):
                lines.append(f'  File "{fr.filename}", line {fr.lineno}, in {fr.name}'[:300])
                if fr.line:
                    lines.append(f"    {fr.line}"[:300])
    except BaseException:
        pass
    line = None
    for ln in lines:
        if ln.startswith("  File"):
            line = int(ln.split(", line ")[1].split(",")[0])
            break
    return {"type": name, "message": message, "traceback": lines[-2 * MAX_TB:], "line": line}


class Server:
    def __init__(self, rfd, wfd):
        self.rfd, self.wfd = rfd, wfd
        self.ns = {"__name__": "__main__", "__builtins__": builtins}
        self.cap = 1_000_000
        self.forbidden_seen = []

    def read(self, n):
        return os.read(self.rfd, n)

    def send(self, obj):
        data = wire.encode(obj)
        view = memoryview(data)
        while view:
            n = os.write(self.wfd, view)
            view = view[n:]

    # -- set-up ------------------------------------------------------------------------------
    def init(self, cfg):
        import resource

        self.cap = int(cfg.get("output_cap", self.cap))
        if cfg.get("drop_to") is not None and os.getuid() == 0:
            uid = int(cfg["drop_to"])
            os.setgroups([])
            os.setgid(uid)
            os.setuid(uid)
        for name, value in cfg.get("rlimits", {}).items():
            res = getattr(resource, name, None)
            if res is not None:
                try:
                    resource.setrlimit(res, (int(value), int(value)))
                except (ValueError, OSError):
                    pass
        self.forbid(cfg.get("forbidden_modules", []), cfg.get("forbidden_attrs", []))

    def forbid(self, modules, attrs):
        import importlib
        import importlib.abc

        seen = self.forbidden_seen
        blocked = tuple(modules)

        class Block(importlib.abc.MetaPathFinder):
            def find_spec(self, fullname, path=None, target=None):
                if any(fullname == m or fullname.startswith(m + ".") for m in blocked):
                    seen.append(fullname)
                    raise ImportError(f"{fullname} is off-limits in this exercise: write the code yourself")
                return None

        sys.meta_path.insert(0, Block())
        for dotted in attrs:
            mod_name, _, attr = dotted.rpartition(".")
            try:
                mod = importlib.import_module(mod_name)
            except Exception:
                continue
            if hasattr(mod, attr):
                delattr(mod, attr)
            if hasattr(mod, "__all__"):
                mod.__all__ = [n for n in mod.__all__ if n != attr]
            hidden = {a.rpartition(".")[2]: a for a in attrs if a.rpartition(".")[0] == mod_name}

            def __getattr__(name, _hidden=hidden, _mod=mod_name):
                if name in _hidden:
                    seen.append(_hidden[name])
                    raise AttributeError(f"{_hidden[name]} is off-limits in this exercise: write the code yourself")
                raise AttributeError(f"module {_mod!r} has no attribute {name!r}")

            mod.__getattr__ = __getattr__

    # -- requests ----------------------------------------------------------------------------
    def run(self, fn):
        """Run fn() with output captured; the reply's common fields, and fn's result."""
        out = Capped(self.cap)
        saved = sys.stdout, sys.stderr
        sys.stdout = sys.stderr = out
        reply, result = {"ok": True}, None
        try:
            result = fn()
        except SystemExit as e:
            code = e.code if isinstance(e.code, (int, type(None))) and not isinstance(e.code, bool) else _text(e.code)
            reply = {"ok": False, "exit": code}
        except BaseException as e:  # the student's error, whatever it is
            reply = {"ok": False, "error": _error(e)}
        finally:
            sys.stdout, sys.stderr = saved
        reply.update(stdout=out.text(), cut=out.cut)
        return reply, result

    def describe(self, names):
        out = {}
        for name in names:
            if name not in self.ns:
                out[name] = {"kind": "missing"}
                continue
            value = self.ns[name]
            if callable(value):
                out[name] = {"kind": "callable"}
                continue
            try:
                wire.encode(value)
                out[name] = {"kind": "value", "value": value}
            except wire.NotPlainData as e:
                out[name] = {"kind": "other", "what": e.what}
        return out

    def exec_cell(self, req):
        cell, source = req.get("cell"), req.get("source", "")
        filename = f"<answer {req.get('id') or cell}>" if req.get("kind") == "answer" else f"<setup {cell}>"
        linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)

        def go():
            code = compile(source, filename, "exec", dont_inherit=True)
            exec(code, self.ns)

        reply, _ = self.run(go)
        names = self.describe(req.get("names", []))
        reply["names"] = names
        return reply

    def call(self, req):
        name, args, kwargs = req.get("name"), req.get("args", []), req.get("kwargs", {})
        fn = self.ns.get(name)
        if not callable(fn):
            return {"ok": False, "error": {"type": "NameError", "message": f"name {name!r} is not defined",
                                           "traceback": [], "line": None}, "stdout": "", "cut": False}
        mutable = (list, dict)
        before = {}
        for key, value in list(enumerate(args)) + list(kwargs.items()):
            if type(value) in mutable or type(value).__name__ == "ndarray":
                before[key] = wire.encode(value)
        reply, result = self.run(lambda: fn(*args, **kwargs))
        if reply["ok"]:
            try:
                wire.encode(result)
                reply["result"] = result
            except wire.NotPlainData as e:
                nested = type(result) in (list, tuple, dict)
                reply = {"ok": False, "stdout": reply["stdout"], "cut": reply["cut"],
                         "error": {"type": "StudentCodeError", "traceback": [], "line": None,
                                   "message": f"`{name}` returned {e.what}{' inside its result' if nested else ''}; "
                                              "return a NumPy array or a number (or a tuple, list or dict of them)"}}
        changed = {}
        for key, old in before.items():
            value = args[key] if isinstance(key, int) else kwargs[key]
            try:
                if wire.encode(value) != old:
                    changed[str(key)] = value
            except wire.NotPlainData:
                pass
        reply["changed"] = changed
        return reply

    def serve(self):
        while True:
            try:
                req = wire.read_message(self.read)
            except EOFError:
                return
            op = req.get("op") if isinstance(req, dict) else None
            if op == "init":
                self.init(req)
                reply = {"ok": True}
            elif op == "exec":
                reply = self.exec_cell(req)
            elif op == "call":
                reply = self.call(req)
            else:
                reply = {"ok": False, "error": {"type": "RuntimeError", "message": "unknown request",
                                                "traceback": [], "line": None}}
            reply["forbidden"] = list(dict.fromkeys(self.forbidden_seen))[:20]
            self.forbidden_seen.clear()
            try:
                self.send(reply)
            except wire.NotPlainData as e:  # a value the describe() check passed, then changed
                self.send({"ok": False, "error": {"type": "StudentCodeError", "message": f"not plain data: {e.what}",
                                                  "traceback": [], "line": None}, "forbidden": []})


def main():
    if len(sys.argv) > 1:
        sys.path.insert(1, sys.argv[1])
    rfd, wfd = os.dup(0), os.dup(1)
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    os.close(null)
    Server(rfd, wfd).serve()


if __name__ == "__main__":
    main()
