"""What the HTTP providers share: one POST that turns transport failures into domain errors,
and the reading of the headers that say when to come back.

requests is imported at the first POST, not with the module: most cold starts of a sending
function never fail over to an HTTP provider (SES answers first)."""

from __future__ import annotations

import time
from collections.abc import Callable
from email.utils import parsedate_to_datetime
from functools import cached_property
from typing import TYPE_CHECKING, Any

from tctfmsg.email.message import EmailMessage, ProviderUnavailable, RecipientRejected, SendReceipt

if TYPE_CHECKING:
    import requests

USER_AGENT = "tctfmsg-email-backbone/1"
DEFAULT_THROTTLE_BACKOFF_S = 1.0


def post_json(
    session: requests.Session,
    provider: str,
    url: str,
    body: dict[str, Any],
    headers: dict[str, str],
    timeout_s: float,
) -> requests.Response:
    import requests

    try:
        return session.post(
            url,
            json=body,
            headers={"User-Agent": USER_AGENT, **headers},
            timeout=(min(timeout_s, 3.0), timeout_s),
        )
    except requests.ConnectTimeout as exc:
        raise ProviderUnavailable(provider, "connect timeout") from exc
    except requests.ReadTimeout as exc:
        raise ProviderUnavailable(
            provider, f"no answer within {timeout_s:g}s", uncertain=True
        ) from exc
    except requests.ConnectionError as exc:
        refused = _never_connected(exc)
        reason = "connection refused" if refused else "connection lost mid-request"
        raise ProviderUnavailable(provider, reason, uncertain=not refused) from exc
    except requests.RequestException as exc:
        raise ProviderUnavailable(provider, f"HTTP error {type(exc).__name__}") from exc


def retry_after_s(headers: Any, now: float | None = None) -> float | None:
    """Seconds to wait from Retry-After (seconds or HTTP date) or X-RateLimit-Reset (epoch)."""
    now = time.time() if now is None else now
    value = headers.get("Retry-After")
    if value:
        try:
            return max(0.0, float(value))
        except ValueError:
            try:
                return max(0.0, parsedate_to_datetime(value).timestamp() - now)
            except (TypeError, ValueError):
                pass
    reset = headers.get("X-RateLimit-Reset")
    if reset:
        try:
            return max(0.0, float(reset) - now)
        except ValueError:
            pass
    return None


def error_json(response: requests.Response) -> dict[str, Any]:
    try:
        data = response.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _never_connected(exc: requests.ConnectionError) -> bool:
    from urllib3.exceptions import NewConnectionError

    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    return isinstance(reason, NewConnectionError)


class HttpEmailProvider:
    """An EmailProvider over one JSON POST: the key is read per send (so a rotated key takes
    effect), a success becomes a receipt, anything else a classified domain error."""

    name: str
    default_url: str
    path: str
    ok_statuses: tuple[int, ...] = (200,)
    idempotent = False

    def __init__(
        self,
        api_key: Callable[[], str],
        base_url: str | None = None,
        timeout_s: float = 5.0,
        session: requests.Session | None = None,
        on_auth_failure: Callable[[], None] | None = None,
    ) -> None:
        self._api_key = api_key
        self._url = (base_url or self.default_url).rstrip("/") + self.path
        self._timeout_s = timeout_s
        self._given_session = session
        self._on_auth_failure = on_auth_failure

    @cached_property
    def _session(self) -> requests.Session:
        import requests

        return self._given_session or requests.Session()

    def send(self, message: EmailMessage) -> SendReceipt:
        response = post_json(
            self._session,
            self.name,
            self._url,
            self._body(message),
            self._headers(message),
            self._timeout_s,
        )
        if response.status_code in self.ok_statuses:
            return SendReceipt(self.name, self._message_id(response))
        raise self._error(response, message)

    def _headers(self, message: EmailMessage) -> dict[str, str]:
        return {"Authorization": f"Bearer {self._api_key()}"}

    def _body(self, message: EmailMessage) -> dict[str, Any]:
        raise NotImplementedError

    def _message_id(self, response: requests.Response) -> str:
        raise NotImplementedError

    def _error(
        self, response: requests.Response, message: EmailMessage
    ) -> ProviderUnavailable | RecipientRejected:
        raise NotImplementedError
