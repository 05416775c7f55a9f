"""Screenshots of rendered HTML in headless Chromium, bounded in time, offline.

Chromium comes from the project's set-up (scripts/install-system-deps), never downloaded here.
The page is measured first (a copy with a script that writes its height into the DOM), then
shot at that height, so the PNG holds the whole email and nothing below it.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from tctfmsg.errors import ConfigurationError, TctfmsgError

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
_MEASURE = (
    "<script>addEventListener('load',function(){document.body.setAttribute("
    "'data-preview-height',Math.ceil(document.documentElement.scrollHeight));});</script>"
)


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


def screenshot(html: str, out: Path, width: int = 700, timeout_s: float = TIMEOUT_S) -> int:
    """Writes a PNG of the page at `width` CSS pixels, as tall as the page; returns the height."""
    binary = chromium()
    with tempfile.TemporaryDirectory(prefix="tctfmsg-preview-") as tmp:
        workdir = Path(tmp)
        measured = workdir / "measure.html"
        measured.write_text(_with_measure_script(html))
        dom = _run(
            binary, workdir, [f"--window-size={width},800", "--dump-dom", _uri(measured)], timeout_s
        )
        found = re.search(r'data-preview-height="(\d+)"', dom)
        height = min(int(found.group(1)), MAX_HEIGHT) if found else 2000
        page = workdir / "page.html"
        page.write_text(html)
        out = out.resolve()
        out.parent.mkdir(parents=True, exist_ok=True)
        out.unlink(missing_ok=True)
        _run(
            binary,
            workdir,
            [f"--window-size={width},{height}", f"--screenshot={out}", _uri(page)],
            timeout_s,
        )
        if not out.exists() or out.stat().st_size == 0:
            raise TctfmsgError(f"Chromium wrote no screenshot to {out}")
        return height


def _with_measure_script(html: str) -> str:
    index = html.lower().rfind("</body>")
    return html[:index] + _MEASURE + html[index:] if index >= 0 else html + _MEASURE


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
