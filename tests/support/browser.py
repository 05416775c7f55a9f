"""Headless Chromium driven over the DevTools protocol, for tests of pages in a real browser.

The browser is the one the project already uses for template previews (the system Chromium that
scripts/install-system-deps installs, found by rendering.adapters.chromium, with its offline
flags); the protocol goes over the `websockets` client the project already depends on, to the
debugging port Chromium opens on 127.0.0.1. Every wait has a deadline: a page that never gets
there fails the test, never hangs it.
"""

from __future__ import annotations

import base64
import itertools
import json
import os
import signal
import subprocess
import time
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import requests
from websockets.sync.client import ClientConnection, connect

from tctfmsg.rendering.adapters.chromium import FLAGS, chromium

WAIT_S = 30.0
POLL_S = 0.05


class BrowserError(AssertionError):
    pass


class Browser:
    """One headless Chromium with one page; use as a context manager."""

    def __init__(self, profile: Path, width: int = 1200, height: int = 760) -> None:
        self.profile, self.width, self.height = profile, width, height
        self._process: subprocess.Popen[bytes] | None = None
        self._socket: ClientConnection | None = None
        self._closing = ExitStack()
        self._ids = itertools.count(1)
        self._events: list[dict[str, Any]] = []

    def __enter__(self) -> Browser:
        self._process = subprocess.Popen(
            [chromium(), *FLAGS, f"--user-data-dir={self.profile}", "--remote-debugging-port=0",
             f"--window-size={self.width},{self.height}", "about:blank"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # its own group, so its helpers go with it
        )  # fmt: skip
        try:
            self._socket = self._closing.enter_context(
                connect(self._page_socket(), open_timeout=WAIT_S, max_size=None)
            )
            self.call("Page.enable")
            self.call("Emulation.setDeviceMetricsOverride", {
                "width": self.width, "height": self.height, "deviceScaleFactor": 1,
                "mobile": False})  # fmt: skip
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self._closing.close()
        if self._process is not None and self._process.poll() is None:
            os.killpg(self._process.pid, signal.SIGKILL)
            self._process.wait(timeout=WAIT_S)

    def _page_socket(self) -> str:
        """The page target's DevTools socket, once Chromium has written its port down."""
        written = self.profile / "DevToolsActivePort"
        port = _until(lambda: written.exists() and written.read_text().split("\n")[0], "port")
        targets = requests.get(f"http://127.0.0.1:{port}/json/list", timeout=WAIT_S).json()
        pages = [t for t in targets if t.get("type") == "page"]
        if not pages:
            raise BrowserError(f"Chromium shows no page: {targets}")
        return str(pages[0]["webSocketDebuggerUrl"])

    def call(self, method: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        assert self._socket is not None
        call_id = next(self._ids)
        self._socket.send(json.dumps({"id": call_id, "method": method, "params": params or {}}))
        deadline = time.monotonic() + WAIT_S
        while True:
            answer = json.loads(self._socket.recv(timeout=max(0.01, deadline - time.monotonic())))
            if answer.get("id") == call_id:
                if "error" in answer:
                    raise BrowserError(f"{method}: {answer['error']}")
                return dict(answer.get("result", {}))
            self._events.append(answer)

    def open(self, url: str) -> None:
        """Navigate and wait for the load event (scripts with `defer` have run by then)."""
        self._events.clear()
        self.call("Page.navigate", {"url": url})
        deadline = time.monotonic() + WAIT_S
        assert self._socket is not None
        while not any(e.get("method") == "Page.loadEventFired" for e in self._events):
            left = deadline - time.monotonic()
            if left <= 0:
                raise BrowserError(f"{url} did not load in {WAIT_S:.0f} s")
            self._events.append(json.loads(self._socket.recv(timeout=left)))

    def evaluate(self, expression: str) -> Any:
        result = self.call("Runtime.evaluate", {"expression": expression, "returnByValue": True})
        if "exceptionDetails" in result:
            raise BrowserError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def wait_for(self, expression: str, what: str) -> Any:
        """The expression's value once it is truthy; BrowserError after the deadline."""
        return _until(lambda: self.evaluate(expression), what)

    def type_into(self, selector: str, text: str) -> None:
        """Focus the field and type text as a user would, then press Enter."""
        self.evaluate(f"document.querySelector({json.dumps(selector)}).focus()")
        self.call("Input.insertText", {"text": text})
        for kind in ("keyDown", "keyUp"):
            self.call("Input.dispatchKeyEvent", {"type": kind, "key": "Enter", "code": "Enter",
                      "windowsVirtualKeyCode": 13, "text": "\r"})  # fmt: skip

    def screenshot(self, out: Path) -> bytes:
        shot = self.call("Page.captureScreenshot", {"format": "png"})
        data = base64.b64decode(shot["data"])
        out.write_bytes(data)
        return data


def _until(probe: Callable[[], Any], what: str) -> Any:
    deadline = time.monotonic() + WAIT_S
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise BrowserError(f"gave up waiting for {what} after {WAIT_S:.0f} s")
        time.sleep(POLL_S)
