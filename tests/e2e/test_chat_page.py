"""The chat page in headless Chromium, on the embedded stack: the address `tctfmsg chat page`
prints, two panes each on its own socket through the local gateway, a message typed in one
appearing in the other, user text shown as text, and a PNG of it all."""

from __future__ import annotations

import json
import struct
from collections.abc import Iterator
from pathlib import Path

import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect
from websockets.typing import Origin

from tests.e2e.conftest import Stack
from tests.support.browser import Browser

XSS = '<script>window.pwned = 1</script><img src=x onerror="window.pwned = 2"> 1 < 2 & 3'
WIDTH, HEIGHT = 1200, 760


def _page_url(stack: Stack, users: str) -> str:
    printed = stack.cli("chat", "page", "--users", users, "--json", check=True).stdout
    return str(json.loads(printed)["url"])


def _pane(user: str) -> str:
    return f'.pane[data-user="{user}"]'


def _texts(user: str, state: str = "") -> str:
    """JS: the texts of the messages in a user's pane (in that state, when given), one a line."""
    selector = json.dumps(f"{_pane(user)} .message{f'[data-state={state}]' if state else ''}")
    return (f"Array.from(document.querySelectorAll({selector}))"
            ".map(m => m.querySelector('.body').textContent).join('\\n')")  # fmt: skip


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[Browser]:
    with Browser(tmp_path / "profile", WIDTH, HEIGHT) as opened:
        yield opened


def _open(browser: Browser, url: str, *users: str) -> None:
    browser.open(url)
    synced = " && ".join(f"document.querySelector('{_pane(u)}[data-synced]') !== null"
                         for u in users)  # fmt: skip
    browser.wait_for(synced, f"the panes of {', '.join(users)} to connect and sync")


def test_a_message_typed_in_one_pane_appears_in_the_other_and_is_acked(
    stack: Stack, browser: Browser, tmp_path: Path
) -> None:
    _open(browser, _page_url(stack, "ada,bob"), "ada", "bob")

    browser.type_into(f"{_pane('ada')} .text", "Hello Bob, lunch at noon?")
    seen_by_bob = browser.wait_for(_texts("bob", "received"), "ada's message in bob's pane")
    acked = browser.wait_for(_texts("ada", "acked") + " || " + _texts("ada", "read"), "the ack")
    browser.type_into(f"{_pane('bob')} .text", "Sure, see you there")
    seen_by_ada = browser.wait_for(_texts("ada", "received"), "bob's reply in ada's pane")
    read = browser.wait_for(_texts("ada", "read"), "bob's read receipt in ada's pane")
    png = browser.screenshot(tmp_path / "chat-page.png")

    assert seen_by_bob.splitlines()[-1] == "Hello Bob, lunch at noon?"
    assert acked.splitlines()[-1] == "Hello Bob, lunch at noon?"
    assert seen_by_ada.splitlines()[-1] == "Sure, see you there"
    assert "Hello Bob, lunch at noon?" in read.splitlines()
    assert browser.evaluate("location.hash") == ""  # the tokens left the address bar
    assert _png_size(png) == (WIDTH, HEIGHT) and 10_000 < len(png) < 5_000_000


def test_history_is_synced_when_the_page_connects(stack: Stack, browser: Browser) -> None:
    url = _page_url(stack, "cleo,dan")
    conversation = url.split("conversation=")[1].split("&")[0]
    stack.cli("chat", "send", conversation, "sent before the page opened", "--as", "cleo",
              check=True)  # fmt: skip

    _open(browser, url, "cleo", "dan")

    assert browser.evaluate(_texts("dan")) == "sent before the page opened"
    assert browser.evaluate(_texts("cleo")) == "sent before the page opened"
    assert browser.evaluate(f"document.querySelectorAll('{_pane('cleo')} .mine').length") == 1


def test_user_text_is_shown_as_text_never_run_as_html(stack: Stack, browser: Browser) -> None:
    _open(browser, _page_url(stack, "eve,finn"), "eve", "finn")

    browser.type_into(f"{_pane('eve')} .text", XSS)
    shown = browser.wait_for(_texts("finn", "received"), "the payload in finn's pane")

    assert shown == XSS
    assert browser.evaluate("document.querySelectorAll('.messages img, .messages script')"
                            ".length") == 0  # fmt: skip
    assert browser.evaluate("window.pwned === undefined") is True


def test_the_gateway_admits_the_pages_origin_and_refuses_a_foreign_one(stack: Stack) -> None:
    signed = stack.cli("chat", "token", "gus", check=True).stdout.strip()
    url = f"ws://127.0.0.1:{stack.port + 3}/?token={signed}"
    page_origin = Origin(f"http://127.0.0.1:{stack.port + 9}")

    with connect(url, origin=page_origin, open_timeout=20) as admitted:
        admitted.send(json.dumps({"action": "sync"}))
        answer = json.loads(admitted.recv(timeout=20))
    with pytest.raises(InvalidStatus) as refused:
        connect(url, origin=Origin("https://evil.example"), open_timeout=20)

    assert answer["type"] == "conversations"
    assert refused.value.response.status_code == 403


def _png_size(data: bytes) -> tuple[int, int]:
    """(width, height) from a PNG's IHDR chunk; fails on anything that is not a PNG."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return int(width), int(height)
