"""$default: one client frame in, its answer pushed back to the caller.

Every way a frame can be wrong (not JSON, no or unknown action, a conversation the caller is not
in, a field out of bounds) becomes an error frame with a code, and the socket stays usable.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

from tctfmsg.core.errors import Conflict, InvalidInput, NotFound, TctfmsgError
from tctfmsg.user_messages.domain.model import ChatRefused, UnknownConnection
from tctfmsg.user_messages.services import actions, attachments, fanout, messages, scheduling
from tctfmsg.user_messages.services.deps import ChatDeps
from tctfmsg.user_messages.services.fields import Caller, Frame
from tctfmsg.user_messages.services.views import error_frame

logger = logging.getLogger(__name__)
MAX_FRAME_BYTES = 128 * 1024  # API Gateway's message size limit
MAX_REQUEST_ID_CHARS = 128

Action = Callable[[ChatDeps, Caller, Frame], dict[str, Any] | None]
ACTIONS: dict[str, Action] = {
    "send": messages.send_frame,
    "sync": messages.sync_frame,
    "read": actions.read,
    "typing": actions.typing,
    "pin": actions.pin,
    "unpin": actions.unpin,
    "pins": actions.pins,
    "search": actions.search,
    "schedule": scheduling.schedule,
    "unschedule": scheduling.unschedule,
    "attach": attachments.attach,
}

# Most specific first: the first class an error is an instance of gives its code.
CODES: tuple[tuple[type[TctfmsgError], str], ...] = (
    (UnknownConnection, "unknown_connection"),
    (NotFound, "not_found"),
    (Conflict, "conflict"),
    (InvalidInput, "invalid"),
)


def respond(deps: ChatDeps, connection_id: str, body: str | None) -> dict[str, Any] | None:
    """Act on one frame from `connection_id` and push the answer to it (returned too, for
    tests and logs); None for an action that answers nothing (typing)."""
    request_id: Any = None
    try:
        frame = _parse(body)
        request_id = _request_id(frame)
        answer = _act(deps, connection_id, frame)
    except ChatRefused as refused:
        answer = error_frame(refused.code, refused.message, refused.hint)
    except TctfmsgError as error:
        code = next((c for kind, c in CODES if isinstance(error, kind)), "unavailable")
        answer = error_frame(code, error.message, error.hint)
    except Exception:  # the socket stays usable whatever went wrong; the logs have it
        logger.exception("frame from %s failed", connection_id)
        answer = error_frame("internal", "internal error", "try again")
    if answer is None:
        return None
    if request_id is not None:
        answer["request_id"] = request_id
    fanout.push(deps, connection_id, answer)
    return answer


def _parse(body: str | None) -> Frame:
    if body is None or len(body) > MAX_FRAME_BYTES:
        raise ChatRefused("a frame is a JSON object of at most 128 KB", code="malformed_frame")
    try:
        frame = json.loads(body)
    except ValueError:
        raise ChatRefused("the frame is not valid JSON", code="malformed_frame") from None
    if not isinstance(frame, dict):
        raise ChatRefused("a frame is a JSON object", code="malformed_frame")
    return frame


def _request_id(frame: Frame) -> Any:
    """Echoed as given if it is a short string or a whole number; anything else is dropped."""
    value = frame.get("request_id")
    if isinstance(value, str) and len(value) <= MAX_REQUEST_ID_CHARS:
        return value
    if type(value) is int and abs(value) < 2**53:
        return value
    return None


def _act(deps: ChatDeps, connection_id: str, frame: Frame) -> dict[str, Any] | None:
    action = frame.get("action")
    chosen = ACTIONS.get(action) if isinstance(action, str) else None
    if chosen is None:
        raise ChatRefused(
            f"unknown action {str(action)[:40]!r}",
            f"use one of {', '.join(ACTIONS)}",
            code="unknown_action",
        )
    connection = deps.connections.get(connection_id)
    if connection is None:
        raise UnknownConnection("this connection is not known", "reconnect with a fresh token")
    return chosen(deps, Caller(connection.user_id, connection_id), frame)
