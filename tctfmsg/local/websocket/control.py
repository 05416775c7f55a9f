"""The CLI's side of the local WebSocket gateway: its counters, for `tctfmsg local status`."""

from __future__ import annotations

from urllib.parse import urlsplit

import requests

from tctfmsg.local.state import StackState

STATS_PATH = "/_local/stats"


def stats(running: StackState) -> dict[str, int] | None:
    """Open connections, messages in and out, 410 answers …; None when the gateway is absent
    or does not answer."""
    url = running.endpoints.get("websocket_management")
    if not url:
        return None
    parts = urlsplit(url)
    try:
        response = requests.get(f"{parts.scheme}://{parts.netloc}{STATS_PATH}", timeout=5)
        response.raise_for_status()
        counters = response.json()
    except (requests.RequestException, ValueError):
        return None
    if not isinstance(counters, dict):
        return None
    return {str(k): v for k, v in counters.items() if isinstance(v, int)}
