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

__all__ = ["BearerChannel", "credential", "error_json", "post", "retry_after_s"]


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


class BearerChannel:
    """An HTTP API reached with a bearer token on behalf of one account (a WhatsApp sender's
    phone number id, an FCM project): both read on each send, so a rotated key takes effect.
    `on_auth_failure` is told when the API refused our token (the keys reader refreshes)."""

    name = "http"
    default_url = ""

    def __init__(
        self,
        token: Callable[[], str],
        account: Callable[[], str],
        base_url: str | None = None,
        timeout_s: float = 5.0,
        session: requests.Session | None = None,
        on_auth_failure: Callable[[], None] | None = None,
    ) -> None:
        self._token = token
        self._account = account
        self._base = (base_url or self.default_url).rstrip("/")
        self._timeout_s = timeout_s
        self._session = session or requests.Session()
        self._on_auth_failure = on_auth_failure

    def _post(self, path: Callable[[str], str], body: dict[str, Any]) -> requests.Response:
        """POST body to base + path(account)."""
        token = credential(self.name, self._token)
        account = credential(self.name, self._account)
        url = f"{self._base}{path(account)}"
        return post(self._session, self.name, url, body, token, self._timeout_s)
