"""The chat page beside the Management API, and the one browser origin the gateway admits: the
page's own. Any other origin is refused before `$connect` runs, so nothing of it is stored."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
import requests
from websockets.exceptions import InvalidStatus
from websockets.typing import Origin

from tests.integration.local.websocket.conftest import Gateway


def _origin(gateway: Gateway) -> str:
    parts = urlsplit(gateway.management_url)
    return f"{parts.scheme}://{parts.netloc}"


def test_the_page_is_served_with_a_policy_that_lets_it_reach_the_gateway_only(
    gateway: Gateway,
) -> None:
    page = requests.get(f"{_origin(gateway)}/_local/chat", timeout=5)
    script = requests.get(f"{_origin(gateway)}/_local/chat.js", timeout=5)
    style = requests.get(f"{_origin(gateway)}/_local/chat.css", timeout=5)

    policy = page.headers["Content-Security-Policy"]
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    assert f'<meta name="tctfmsg-websocket" content="{gateway.ws_url}">' in page.text
    assert f"connect-src {gateway.ws_url};" in policy
    assert "script-src 'self';" in policy and "default-src 'none'" in policy
    assert "frame-ancestors 'none'" in policy and page.headers["X-Frame-Options"] == "DENY"
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    assert script.status_code == 200 and "textContent" in script.text
    assert "innerHTML" not in script.text and "insertAdjacentHTML" not in script.text
    assert script.headers["Content-Type"].startswith("text/javascript")
    assert style.status_code == 200 and style.headers["Content-Type"].startswith("text/css")


def test_the_page_answers_no_other_origin_and_no_other_method(gateway: Gateway) -> None:
    url = f"{_origin(gateway)}/_local/chat"
    foreign = requests.get(url, headers={"Origin": "https://evil.example"}, timeout=5)
    posted = requests.post(url, data=b"x", timeout=5)

    assert foreign.status_code == 403 and "tctfmsg-websocket" not in foreign.text
    assert posted.status_code == 405


def test_the_pages_origin_may_open_a_socket(gateway: Gateway) -> None:
    with gateway.connect("/?id=page", origin=Origin(_origin(gateway))):
        assert gateway.connection_id("page")

    assert gateway.stats()["refused"] == 0


@pytest.mark.parametrize(
    "origins",
    [["https://evil.example"], ["null"], ["http://localhost:1"], ["PAGE", "https://evil.example"]],
)
def test_any_other_browser_origin_is_refused_before_connect_runs(
    gateway: Gateway, origins: list[str]
) -> None:
    sent = [("Origin", _origin(gateway) if o == "PAGE" else o) for o in origins]
    with pytest.raises(InvalidStatus) as refused:
        gateway.connect("/?id=foreign", additional_headers=sent)

    assert refused.value.response.status_code == 403
    assert gateway.recorded.events("$connect") == []
    assert gateway.stats()["refused"] == 1
