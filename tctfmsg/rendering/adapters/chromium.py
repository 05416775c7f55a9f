"""Screenshots of rendered HTML in headless Chromium, bounded in time, offline: the
Screenshotter port.

Chromium comes from the project's set-up (scripts/install-system-deps), never downloaded here.
The page is measured first (inside a page whose script writes the size into the DOM that
`--dump-dom` prints), then shot at that height, so the PNG holds the whole email and no more.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import tempfile
from html import escape
from pathlib import Path

from tctfmsg.core.errors import ConfigurationError, TctfmsgError

CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
TIMEOUT_S = 60.0
MAX_HEIGHT = 16_000
# Offline and quiet: without these, headless Chromium waits on network services that never answer.
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--disable-dev-shm-usage",
    "--hide-scrollbars",
    "--mute-audio",
    "--force-device-scale-factor=1",
)
# Headless Chromium will not lay a window out narrower than 500px, so the page is measured in
# an iframe of the exact width (srcdoc: same origin, so its document can be read).
_MEASURE = """<!DOCTYPE html><html><body style="margin:0">
<iframe id="frame" style="width:{width}px;height:10px;border:0" srcdoc="{page}"></iframe>
<script>addEventListener('load', function () {{
  var e = document.getElementById('frame').contentDocument.documentElement;
  document.body.setAttribute('data-preview-size', e.scrollWidth + 'x' + e.scrollHeight);
}});</script></body></html>"""


class ChromiumScreenshotter:
    def __init__(self, timeout_s: float = TIMEOUT_S) -> None:
        self.timeout_s = timeout_s

    def screenshot(self, html: str, out: Path, width: int) -> int:
        return screenshot(html, out, width, self.timeout_s)


def chromium() -> str:
    configured = os.environ.get("TCTFMSG_CHROMIUM")
    for name in (configured,) if configured else CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    raise ConfigurationError(
        "Chromium is not installed, so no PNG can be rendered",
        "run scripts/install-system-deps (or set TCTFMSG_CHROMIUM to a Chromium binary)",
    )


def page_size(html: str, width: int = 700, timeout_s: float = TIMEOUT_S) -> tuple[int, int]:
    """(scrollWidth, scrollHeight) of the page laid out in a window `width` CSS pixels wide."""
    binary = chromium()
    with tempfile.TemporaryDirectory(prefix="tctfmsg-preview-") as tmp:
        return _measure(binary, Path(tmp), html, width, timeout_s)


def screenshot(html: str, out: Path, width: int = 700, timeout_s: float = TIMEOUT_S) -> int:
    """Writes a PNG of the page at `width` CSS pixels, as tall as the page; returns the height."""
    binary = chromium()
    with tempfile.TemporaryDirectory(prefix="tctfmsg-preview-") as tmp:
        workdir = Path(tmp)
        height = min(_measure(binary, workdir, html, width, timeout_s)[1], MAX_HEIGHT)
        page = workdir / "page.html"
        page.write_text(html)
        out = out.resolve()
        out.parent.mkdir(parents=True, exist_ok=True)
        out.unlink(missing_ok=True)
        args = [f"--window-size={width},{height}", f"--screenshot={out}", _uri(page)]
        _run(binary, workdir, args, timeout_s)
        if not out.exists() or out.stat().st_size == 0:
            raise TctfmsgError(f"Chromium wrote no screenshot to {out}")
        return height


def _measure(
    binary: str, workdir: Path, html: str, width: int, timeout_s: float
) -> tuple[int, int]:
    measured = workdir / "measure.html"
    measured.write_text(_measure_page(html, width))
    args = [f"--window-size={width},100", "--dump-dom", _uri(measured)]
    dom = _run(binary, workdir, args, timeout_s)
    found = re.search(r'data-preview-size="(\d+)x(\d+)"', dom)
    if not found:
        raise TctfmsgError("Chromium could not lay out the page", "is the HTML complete?")
    return int(found.group(1)), int(found.group(2))


def _measure_page(html: str, width: int) -> str:
    return _MEASURE.format(width=width, page=escape(html, quote=True))


def _uri(path: Path) -> str:
    return path.resolve().as_uri()


def _run(binary: str, workdir: Path, args: list[str], timeout_s: float) -> str:
    profile = workdir / f"profile-{len(list(workdir.iterdir()))}"
    command = [binary, *FLAGS, f"--user-data-dir={profile}", *args]
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        start_new_session=True,  # its own group, so a hung browser goes with all its helpers
    )
    try:
        stdout, stderr = process.communicate(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        raise TctfmsgError(
            f"Chromium did not finish within {timeout_s:.0f}s", "is another instance hanging?"
        ) from None
    if process.returncode != 0:
        last = (stderr.strip().splitlines() or ["no output"])[-1]
        raise TctfmsgError(f"Chromium failed (exit {process.returncode}): {last}")
    return stdout
