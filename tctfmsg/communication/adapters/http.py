"""What the HTTP channels share: the email backbone's one JSON POST (timeouts, connection
errors classified), its outcome told in the channel's own terms, and a credential read per send
(so a rotated token takes effect) whose failure is the channel's, not the caller's."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import requests

from tctfmsg.communication.ports import ChannelUnavailable
from tctfmsg.email.message import ProviderUnavailable
from tctfmsg.email.providers.http import error_json, post_json, retry_after_s

__all__ = ["credential", "error_json", "post", "retry_after_s"]


def post(
    session: requests.Session,
    channel: str,
    url: str,
    body: dict[str, Any],
    token: str,
    timeout_s: float,
) -> requests.Response:
    try:
        return post_json(
            session, channel, url, body, {"Authorization": f"Bearer {token}"}, timeout_s
        )
    except ProviderUnavailable as exc:
        raise ChannelUnavailable(channel, exc.reason) from exc


def credential(channel: str, read: Callable[[], str]) -> str:
    try:
        return read()
    except ProviderUnavailable as exc:  # the keys reader's own error: the secret is unreadable
        raise ChannelUnavailable(channel, exc.reason) from exc
