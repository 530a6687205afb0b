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
            "@jupyterlab/apputils-extension/notification": {"fetchNews": "false", "checkForUpdates": False}}


@dataclass
class Lab:
    url: str      # http://127.0.0.1:PORT
    token: str
    root: Path    # the server's root folder (a scratch copy)

    def link(self, path: str, ui: str = "lab") -> str:
        """The address that opens ``path`` (relative to the root) in JupyterLab or Notebook 7."""
        prefix = {"lab": "lab/tree", "notebook": "notebooks"}[ui]
        return f"{self.url}/{prefix}/{path}?token={self.token}"

    def api(self, path: str):
        with urllib.request.urlopen(f"{self.url}/api/{path}?token={self.token}", timeout=10) as r:
            return json.load(r)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def lab(tmp_path_factory):
    """Start ``jupyter lab`` on a scratch copy of the notebooks; yield a :class:`Lab`; stop it."""
    base = tmp_path_factory.mktemp("jupyterlab")
    root = base / "root"
    for name in COPIED:
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
           "--LabApp.expose_app_in_browser=True", "--LabApp.news_url=None"]
    log = open(base / "server.log", "w")
    proc = subprocess.Popen(cmd, cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)
    server = Lab(f"http://127.0.0.1:{port}", token, root)
    try:
        deadline = time.monotonic() + 90
        while True:
            if proc.poll() is not None:
                pytest.fail(f"jupyter lab exited ({proc.returncode}):\n{(base / 'server.log').read_text()[-3000:]}")
            try:
                server.api("status")
                break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail(f"jupyter lab did not answer in 90 s:\n{(base / 'server.log').read_text()[-3000:]}")
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
        log.close()


@pytest.fixture(scope="session")
def lab_browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"the JupyterLab tests need Chromium at {CHROMIUM}: install Debian's package with "
                    "`sudo apt-get install chromium` (or set LCB_CHROMIUM to a Chromium binary)")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def lab_page(lab_browser):
    context = lab_browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    yield page
    context.close()


_KERNEL_READY = """() => {
  const app = window.jupyterapp;
  const panel = app && app.shell.currentWidget;
  const ctx = panel && panel.sessionContext;
  return !!(ctx && ctx.session && ctx.session.kernel && ctx.session.kernel.status === 'idle'
            && panel.content && panel.content.widgets.length > 0);
}"""


def open_notebook(page, lab: Lab, path: str, ui: str = "lab", timeout: float = 60_000):
    """Open ``path`` in JupyterLab (``ui="lab"``) or Notebook 7 (``"notebook"``); wait for its kernel."""
    page.goto(lab.link(path, ui))
    page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=timeout)
    page.wait_for_function(_KERNEL_READY, timeout=timeout)
    page.wait_for_selector(".jp-MarkdownCell .jp-RenderedMarkdown", timeout=timeout)


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
