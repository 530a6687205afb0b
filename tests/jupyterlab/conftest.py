"""A real JupyterLab on 127.0.0.1 (random port and token), driven by Debian's Chromium.

Fixtures:
* ``lab``: a JupyterLab server whose root is a scratch copy of the course's notebooks
  (``chapters/``, ``exercises/``), so running and saving never touches the repository;
* ``lab_page``: a fresh browser page (1280 x 900) for one test.

Helpers: :func:`open_notebook` opens a notebook in JupyterLab (``ui="lab"``) or Notebook 7
(``ui="notebook"``) and waits for its kernel; :func:`run_all` runs every cell and waits until the
kernel is idle with every code cell executed; :func:`error_outputs` lists the error outputs.
The server exposes the JupyterLab application in the page (``window.jupyterapp``), which is how
the helpers run commands and read the notebook's model.
"""
from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("LCB_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
COPIED = ("chapters", "exercises")
# every cell stays in the page (no virtual scrolling), so a test can read all of a notebook
SETTINGS = {"@jupyterlab/notebook-extension/tracker": {"windowingMode": "none"},
            "@jupyterlab/apputils-extension/notification": {"fetchNews": "false", "checkForUpdates": False},
            # widget state saved with the notebook, so explorers draw again when it is reopened
            "@jupyter-widgets/jupyterlab-manager/plugin": {"saveState": True}}


@dataclass
class Lab:
    url: str      # http://127.0.0.1:PORT
    token: str
    root: Path    # the server's root folder (a scratch copy)

    def link(self, path: str, ui: str = "lab") -> str:
        """The address that opens ``path`` (relative to the root) in JupyterLab (in a fresh
        workspace: no tab of an earlier test comes back) or in Notebook 7."""
        if ui == "lab":
            return f"{self.url}/lab/tree/{path}?reset&token={self.token}"
        return f"{self.url}/notebooks/{path}?token={self.token}"

    def api(self, path: str):
        with urllib.request.urlopen(f"{self.url}/api/{path}?token={self.token}", timeout=10) as r:
            return json.load(r)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LabError(RuntimeError):
    pass


@contextlib.contextmanager
def start_lab(base: Path, copied=COPIED):
    """Run ``jupyter lab`` on 127.0.0.1 (free port, random token) over a copy of ``copied`` made
    in ``base/root``; yield a :class:`Lab`; stop the server (its whole process group) at the end."""
    root = base / "root"
    for name in copied:
        shutil.copytree(ROOT / name, root / name, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    settings = base / "settings"
    for plugin, values in SETTINGS.items():
        package, name = plugin.rsplit("/", 1)
        folder = settings / package
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{name}.jupyterlab-settings").write_text(json.dumps(values))
    port, token = _free_port(), secrets.token_hex(16)
    env = dict(os.environ, JUPYTER_RUNTIME_DIR=str(base / "runtime"),
               PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    cmd = [sys.executable, "-m", "jupyter", "lab", "--allow-root", "--no-browser",
           "--ip", "127.0.0.1", f"--port={port}", "--ServerApp.port_retries=0",
           f"--ServerApp.token={token}", f"--ServerApp.root_dir={root}",
           f"--LabApp.user_settings_dir={settings}", f"--LabApp.workspaces_dir={base / 'workspaces'}",
           "--LabApp.expose_app_in_browser=True", "--LabApp.news_url=None",
           # the same for Notebook 7, which the same server offers under /notebooks/
           f"--JupyterNotebookApp.user_settings_dir={settings}",
           f"--JupyterNotebookApp.workspaces_dir={base / 'workspaces'}",
           "--JupyterNotebookApp.expose_app_in_browser=True"]
    log_path = base / "server.log"
    with open(log_path, "w") as log:
        proc = subprocess.Popen(cmd, cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)
        server = Lab(f"http://127.0.0.1:{port}", token, root)
        try:
            deadline = time.monotonic() + 90
            while True:
                if proc.poll() is not None:
                    raise LabError(f"jupyter lab exited ({proc.returncode}):\n{log_path.read_text()[-3000:]}")
                try:
                    server.api("status")
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        raise LabError(f"jupyter lab did not answer in 90 s:\n{log_path.read_text()[-3000:]}")
                    time.sleep(0.5)
            yield server
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
                try:
                    proc.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait()


@pytest.fixture(scope="session")
def lab(tmp_path_factory):
    """A JupyterLab server over a scratch copy of chapters/ and exercises/ (see :func:`start_lab`)."""
    try:
        with start_lab(tmp_path_factory.mktemp("jupyterlab")) as server:
            yield server
    except LabError as exc:
        pytest.fail(str(exc))


@pytest.fixture
def lab_page(browser):
    """A fresh page in the session's one Chromium (tests/conftest.py)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    yield page
    context.close()


# the kernel is idle and every markdown cell is rendered (by jupyterlab-myst: `.myst`), not
# showing the plain-text stand-in JupyterLab puts there first
_KERNEL_READY = """() => {
  const app = window.jupyterapp;
  const panel = app && app.shell.currentWidget;
  const ctx = panel && panel.sessionContext;
  return !!(ctx && ctx.session && ctx.session.kernel && ctx.session.kernel.status === 'idle'
            && panel.content && panel.content.widgets.length > 0
            && panel.content.widgets.every(c => c.model.type !== 'markdown'
                 || c.node.querySelector('.jp-Cell-inputArea > .myst, .jp-RenderedMarkdown')));
}"""


def open_notebook(page, lab: Lab, path: str, ui: str = "lab", timeout: float = 180_000):
    """Open ``path`` in JupyterLab (``ui="lab"``) or Notebook 7 (``"notebook"``); wait for its
    kernel and its rendered text; return a locator of its panel (scope queries to it)."""
    page.goto(lab.link(path, ui))
    page.wait_for_function(f"() => window.jupyterapp && window.jupyterapp.shell.currentWidget"
                           f" && window.jupyterapp.shell.currentWidget.context"
                           f" && window.jupyterapp.shell.currentWidget.context.path === {json.dumps(path)}",
                           timeout=timeout)
    page.wait_for_function(_KERNEL_READY, timeout=timeout)
    panel_id = page.evaluate("() => window.jupyterapp.shell.currentWidget.id")
    return page.locator(f"[id='{panel_id}']")


_RUN_DONE = """() => {
  const panel = window.jupyterapp.shell.currentWidget;
  const kernel = panel.sessionContext.session.kernel;
  if (kernel.status !== 'idle') return false;
  return panel.content.widgets.every(c => c.model.type !== 'code' || c.model.executionCount !== null
                                           || c.model.sharedModel.getSource().trim() === '');
}"""


def run_all(page, timeout: float = 300_000) -> float:
    """Run every cell of the current notebook; wait until done; return the seconds it took."""
    page.evaluate("""() => {
      const panel = window.jupyterapp.shell.currentWidget;
      for (const c of panel.content.widgets) if (c.model.type === 'code') c.model.executionCount = null;
    }""")
    start = time.perf_counter()
    page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
    page.wait_for_timeout(200)
    page.wait_for_function(_RUN_DONE, timeout=timeout, polling=100)
    return time.perf_counter() - start


def error_outputs(page) -> list[str]:
    """'ename: evalue' of every error output in the current notebook."""
    return page.evaluate("""() => {
      const out = [];
      for (const c of window.jupyterapp.shell.currentWidget.content.widgets) {
        if (c.model.type !== 'code') continue;
        for (const o of c.model.outputs.toJSON())
          if (o.output_type === 'error') out.push(`${o.ename}: ${o.evalue}`);
      }
      return out;
    }""")
