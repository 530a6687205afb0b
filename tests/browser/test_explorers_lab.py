"""The explorers in a real JupyterLab (started here on 127.0.0.1 with a random token), driven by
Chromium: open each chapter, Run All, move a control of each explorer and see the picture change,
save, reopen, and find the explorers still drawn (from the widget state saved in the notebook).

JupyterLab saves widget state only when its setting "Save Jupyter widget state in notebooks" is on
(off by default): the server started here turns it on, as a course's JupyterLab would.
These tests sit beside the book's browser tests to share their one Chromium (Playwright's sync API
allows one instance per thread).
"""
from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHAPTERS = sorted(p.name for p in (ROOT / "chapters").glob("*.ipynb"))
EXPLORERS = {"01_perceptron.ipynb": 1, "02_linear_classifier.ipynb": 3, "03_loss_functions.ipynb": 1,
             "04_backprop.ipynb": 2, "05_neural_networks.ipynb": 1}
SIGNATURE = """(el) => [...el.querySelectorAll('canvas')].map(c => c.toDataURL()).join('|') +
  [...el.querySelectorAll('svg, .lcb-read, output')].map(e => e.innerHTML).join('|')"""


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """A JupyterLab server over a copy of chapters/: (base URL, token, folder)."""
    if not shutil.which("jupyter-lab") and not shutil.which("jupyter"):
        pytest.fail("JupyterLab is not installed: pip install -r requirements.txt")
    root = tmp_path_factory.mktemp("lab")
    work = root / "work"
    shutil.copytree(ROOT / "chapters", work)
    settings = root / "settings" / "@jupyter-widgets" / "jupyterlab-manager"
    settings.mkdir(parents=True)
    (settings / "plugin.jupyterlab-settings").write_text(json.dumps({"saveState": True}))
    port, token = _free_port(), secrets.token_hex(16)
    env = dict(os.environ, PYTHONPATH=str(ROOT), JUPYTER_CONFIG_DIR=str(root / "config"),
               JUPYTER_RUNTIME_DIR=str(root / "runtime"))
    env.pop("LCB_BOOK_BUILD", None)
    cmd = [sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
           f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={work}", "--allow-root",
           f"--LabApp.user_settings_dir={root / 'settings'}", f"--LabApp.workspaces_dir={root / 'workspaces'}",
           "--ServerApp.open_browser=False", "--LabApp.news_url=", "--ServerApp.disable_check_xsrf=False"]
    log = open(root / "lab.log", "w")
    proc = subprocess.Popen(cmd, cwd=work, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    for _ in range(120):
        try:
            urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=1)
            break
        except Exception:
            if proc.poll() is not None:
                pytest.fail(f"JupyterLab exited: {(root / 'lab.log').read_text()[-3000:]}")
            time.sleep(0.5)
    else:
        proc.terminate()
        pytest.fail(f"JupyterLab did not start: {(root / 'lab.log').read_text()[-3000:]}")
    yield base, token, work
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


def _wait_idle(page, timeout=120):
    """Every code cell has run (a number in its prompt, none waiting with [*])."""
    page.wait_for_function("""() => {
      const prompts = [...document.querySelectorAll('.jp-Notebook .jp-CodeCell .jp-InputArea-prompt')].map(p => p.textContent);
      return prompts.length && prompts.every(t => /\\[\\d+\\]/.test(t));
    }""", timeout=timeout * 1000)


def _open(page, base, token, name):
    page.goto(f"{base}/lab/tree/{name}?token={token}&reset")
    page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=60_000)
    page.wait_for_function("() => document.querySelector('.jp-Notebook-ExecutionIndicator, .jp-KernelStatus') !== null", timeout=60_000)


@pytest.mark.parametrize("name", CHAPTERS)
def test_chapter_runs_explorers_move_and_survive_save_and_reopen(lab, browser, name):
    base, token, work = lab
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    _open(page, base, token, name)
    page.wait_for_timeout(1500)                   # the kernel starts
    page.locator("#jp-MainMenu").get_by_text("Run", exact=True).click()
    t0 = time.perf_counter()
    page.get_by_text("Run All Cells", exact=True).click()
    _wait_idle(page)
    seconds = time.perf_counter() - t0
    print(f"{name}: Run All {seconds:.1f} s (JupyterLab, this machine)")
    want = EXPLORERS.get(name, 0)
    page.wait_for_function(f"() => document.querySelectorAll('.jp-OutputArea .lcb-x').length >= {want}", timeout=30_000)
    boxes = page.locator(".jp-OutputArea .lcb-x")
    assert boxes.count() == want, f"{name}: {boxes.count()} explorers drawn, expected {want}"
    for i in range(want):
        box = boxes.nth(i)
        box.scroll_into_view_if_needed()
        before = box.evaluate(SIGNATURE)
        control = box.locator("input[type=range]").first
        if control.count():
            control.focus()
            page.keyboard.press("End")
        else:
            box.locator("button").first.click()
        assert box.evaluate(SIGNATURE) != before, f"{name}: explorer {i} did not change"
    page.keyboard.press("Control+s")
    page.wait_for_timeout(1500)
    saved = json.loads((work / name).read_text(encoding="utf-8"))
    state = saved.get("metadata", {}).get("widgets", {}).get("application/vnd.jupyter.widget-state+json", {})
    assert want == 0 or state.get("state"), f"{name}: no widget state saved"
    # what the explorers add to the saved notebook: their outputs and their widget state
    outputs = [o for c in saved["cells"] for o in c.get("outputs", [])
               if "application/vnd.jupyter.widget-view+json" in o.get("data", {})]
    added = len(json.dumps(outputs)) + len(json.dumps(saved.get("metadata", {}).get("widgets", {})))
    print(f"{name}: saved {(work / name).stat().st_size / 1e3:.0f} KB; the {want} explorer(s) add "
          f"{added / 1e3:.1f} KB ({added / 1e3 / max(want, 1):.1f} KB each)")
    assert added <= 50_000 * max(want, 1), f"{name}: explorers add {added} bytes to the saved notebook"
    # reopen without the kernel: the explorers come back from the saved widget state
    page.evaluate("() => fetch('/api/sessions').then(() => 0)")
    page.close()
    for s in json.load(urllib.request.urlopen(f"{base}/api/sessions?token={token}")):
        req = urllib.request.Request(f"{base}/api/sessions/{s['id']}?token={token}", method="DELETE")
        urllib.request.urlopen(req)
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    _open(page, base, token, name)
    if want:
        page.wait_for_function(f"() => document.querySelectorAll('.jp-OutputArea .lcb-x canvas, .jp-OutputArea .lcb-x svg').length > 0"
                               f" && document.querySelectorAll('.jp-OutputArea .lcb-x').length >= {want}", timeout=60_000)
        assert "model not found" not in page.locator(".jp-Notebook").inner_text()
    page.close()
