"""A real browser (Debian's Chromium, driven by Playwright: the `browser` fixture of tests/conftest.py)
against the built book on 127.0.0.1."""
from __future__ import annotations

import functools
import http.server
import threading

import pytest


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="session")
def site(built_book):
    """The built book served on 127.0.0.1: (base URL, html folder)."""
    html_dir, _ = built_book
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(html_dir)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", html_dir
    server.shutdown()
