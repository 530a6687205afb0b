"""A static look at a student's answer: code that reaches for what the tests rely on.

The scan never changes a grade by itself (the tests, run apart from the answers, do); it points
an instructor at code worth reading. Each finding names the answer, the line and what was seen:
assignments to attributes of modules (``np.allclose = ...``), ``setattr`` on a module, the
``builtins`` module or ``__builtins__``, ``sys.modules``, trace hooks, frame and garbage-collector
introspection, IPython internals, ``ctypes``, and file access that points at notebooks or at the
instructor's ``solutions/`` folder.
"""
from __future__ import annotations

import ast
import re
from functools import lru_cache

STDLIB_MODULES = {"builtins", "sys", "os", "math", "numpy", "np", "operator", "functools", "itertools",
                  "importlib", "IPython", "ipykernel", "gc", "inspect", "types", "threading", "io"}
SUSPECT_NAMES = {
    "__builtins__": "uses __builtins__",
    "__builtin__": "uses __builtin__",
    "get_ipython": "uses IPython's get_ipython()",
    "__import__": "calls __import__ directly",
}
SUSPECT_ATTRS = {
    "modules": ("sys", "uses sys.modules"),
    "settrace": (None, "installs a trace function"),
    "setprofile": (None, "installs a profile function"),
    "_getframe": (None, "inspects the caller's frame"),
    "f_back": (None, "inspects the caller's frame"),
    "f_globals": (None, "reads a frame's globals"),
    "f_locals": (None, "reads a frame's locals"),
    "__globals__": (None, "reads a function's globals"),
    "__closure__": (None, "reads a function's closure"),
    "__code__": (None, "touches a function's code object"),
    "__subclasses__": (None, "walks the class hierarchy"),
    "addaudithook": (None, "adds an audit hook"),
    "reload": ("importlib", "reloads a module"),
}
SUSPECT_IMPORTS = {
    "builtins": "imports the builtins module",
    "gc": "imports gc (garbage-collector introspection)",
    "ctypes": "imports ctypes",
    "inspect": "imports inspect (frame introspection)",
    "linecache": "imports linecache (source of running cells)",
    "IPython": "imports IPython internals",
    "ipykernel": "imports ipykernel internals",
    "subprocess": "imports subprocess",
    "nbformat": "imports nbformat (reads notebooks)",
    "resource": "imports resource (process limits)",
}
FILE_CALLS = {"open", "read_text", "read_bytes", "loadtxt", "genfromtxt", "fromfile", "listdir", "scandir",
              "walk", "glob", "rglob", "iterdir"}
PATH_WORDS = re.compile(r"(^|[/\\])(solutions|mistakes|submissions)([/\\]|$)|\.ipynb\b")


@lru_cache(maxsize=1)
def _transformer():
    try:
        from IPython.core.inputtransformer2 import TransformerManager
    except ImportError:  # pragma: no cover - IPython ships with Jupyter
        return None
    return TransformerManager()


def python_source(source: str) -> str:
    """The cell's code as Python (IPython magics and shell escapes turned into calls)."""
    tm = _transformer()
    if tm is None:
        return source
    try:
        return tm.transform_cell(source)
    except Exception:
        return source


def parse_cell(source: str):
    """The AST of a cell, or None if it does not parse."""
    try:
        return ast.parse(python_source(source))
    except (SyntaxError, ValueError):
        return None


def _root(node):
    while isinstance(node, (ast.Attribute, ast.Subscript)):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def _dotted(node) -> str:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
    return ".".join(reversed(parts))


def module_names(tree) -> set[str]:
    """Names a cell binds to modules by ``import``."""
    return {a.asname or a.name.split(".")[0]
            for node in ast.walk(tree) if isinstance(node, ast.Import) for a in node.names}


def scan(source: str, answer: str, modules=frozenset()) -> list[dict]:
    """Findings for one answer cell: [{'answer', 'line', 'what'}], sorted by line."""
    tree = parse_cell(source)
    if tree is None:
        return []
    mods = set(modules) | STDLIB_MODULES | module_names(tree)
    found = {}

    def add(node, what):
        found.setdefault((getattr(node, "lineno", 0), what), None)

    for node in ast.walk(tree):
        targets = []
        if isinstance(node, (ast.Assign, ast.Delete)):
            targets = node.targets
        elif isinstance(node, (ast.AugAssign, ast.AnnAssign)):
            targets = [node.target]
        stack = list(targets)
        while stack:  # the things assigned to, not the expressions inside their subscripts
            t = stack.pop()
            if isinstance(t, (ast.Tuple, ast.List)):
                stack.extend(t.elts)
            elif isinstance(t, ast.Starred):
                stack.append(t.value)
            elif isinstance(t, ast.Attribute) and _root(t) in mods:
                add(node, f"assigns to {_dotted(t)} (an attribute of a module)")
            elif isinstance(t, ast.Subscript):
                base = _dotted(t.value)
                if base.endswith("modules"):
                    add(node, "changes sys.modules")
                elif isinstance(t.value, ast.Attribute) and _root(t.value) in mods:
                    add(node, f"assigns into {base}")
        if isinstance(node, ast.Call):
            fn = node.func
            name = fn.id if isinstance(fn, ast.Name) else fn.attr if isinstance(fn, ast.Attribute) else ""
            if name in ("setattr", "delattr") and node.args and _root(node.args[0]) in mods:
                add(node, f"calls {name} on the module {_root(node.args[0])}")
            if name == "globals":
                add(node, "uses globals()")
            if name in ("exec", "eval", "compile"):
                add(node, f"calls {name}()")
            if name in FILE_CALLS:
                text = " ".join(a.value for a in ast.walk(node) if isinstance(a, ast.Constant) and isinstance(a.value, str))
                add(node, f"reads files ({name})" + (": " + text[:60] if text else ""))
            if isinstance(fn, ast.Attribute) and fn.attr in ("update", "pop", "setdefault", "clear", "__setitem__") \
                    and _dotted(fn.value).endswith("modules"):
                add(node, "changes sys.modules")
        elif isinstance(node, ast.Name) and node.id in SUSPECT_NAMES:
            add(node, SUSPECT_NAMES[node.id])
        elif isinstance(node, ast.Attribute) and node.attr in SUSPECT_ATTRS:
            base, what = SUSPECT_ATTRS[node.attr]
            if base is None or _root(node) == base or _dotted(node.value).endswith(base):
                add(node, what)
        elif isinstance(node, ast.Attribute) and node.attr == "__file__":
            add(node, "uses a module's __file__ (its place on disk)")
        elif isinstance(node, ast.Import):
            for a in node.names:
                top = a.name.split(".")[0]
                if top in SUSPECT_IMPORTS:
                    add(node, SUSPECT_IMPORTS[top])
        elif isinstance(node, ast.ImportFrom) and node.module:
            top = node.module.split(".")[0]
            if top in SUSPECT_IMPORTS:
                add(node, SUSPECT_IMPORTS[top])
            if top == "sys" and any(a.name == "modules" for a in node.names):
                add(node, "uses sys.modules")
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and PATH_WORDS.search(node.value):
            add(node, f"refers to {node.value[:60]!r}")
    return [{"answer": answer, "line": line, "what": what} for line, what in sorted(found)]


def assigned_names(tree) -> list[str]:
    """Names a cell binds at its top level (assignments, imports, defs, loop and with targets)."""
    out = []

    def targets(t):
        if isinstance(t, ast.Name):
            out.append(t.id)
        elif isinstance(t, (ast.Tuple, ast.List)):
            for e in t.elts:
                targets(e)
        elif isinstance(t, ast.Starred):
            targets(t.value)

    def visit(stmts):
        for s in stmts:
            if isinstance(s, ast.Assign):
                for t in s.targets:
                    targets(t)
            elif isinstance(s, (ast.AugAssign, ast.AnnAssign)):
                targets(s.target)
            elif isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                out.append(s.name)
            elif isinstance(s, ast.Import):
                out.extend(a.asname or a.name.split(".")[0] for a in s.names)
            elif isinstance(s, ast.ImportFrom):
                out.extend(a.asname or a.name for a in s.names if a.name != "*")
            elif isinstance(s, (ast.For, ast.AsyncFor)):
                targets(s.target)
                visit(s.body)
                visit(s.orelse)
            elif isinstance(s, (ast.With, ast.AsyncWith)):
                for item in s.items:
                    if item.optional_vars is not None:
                        targets(item.optional_vars)
                visit(s.body)
            elif isinstance(s, (ast.If, ast.While)):
                visit(s.body)
                visit(s.orelse)
            elif isinstance(s, ast.Try):
                visit(s.body)
                for h in s.handlers:
                    visit(h.body)
                visit(s.orelse)
                visit(s.finalbody)
    visit(tree.body)
    for node in ast.walk(tree):  # walrus targets anywhere at top level
        if isinstance(node, ast.NamedExpr) and isinstance(node.target, ast.Name):
            out.append(node.target.id)
    return list(dict.fromkeys(out))


def loaded_names(tree) -> set[str]:
    """Every name a cell reads."""
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}


def imported_packages(tree) -> set[str]:
    """Top-level packages a cell imports."""
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            out.add(node.module.split(".")[0])
    return out
