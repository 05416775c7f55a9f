"""Accepting a notification: checked against the registry and the user before anything is
queued, recorded once per idempotency key, then queued on the service's own queue.

The notification record is its own idempotency record (docs/decisions/0066): with a key, its id
is derived from the key, so a repeat finds the first one by a conditional put: the same payload
gets the same notification and nothing new is queued; a different payload is a conflict."""

from __future__ import annotations

import base64
import hashlib
import json
import math
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from tctfmsg.communication.domain.notification import (
    Notification,
    NotificationRequest,
    NotificationStatus,
    Recipient,
)
from tctfmsg.communication.domain.user import check_email, check_phone, check_user_id
from tctfmsg.communication.ports import NotificationQueue, NotificationStore, UserStore
from tctfmsg.core.clock import Clock
from tctfmsg.core.errors import Conflict, InvalidInput
from tctfmsg.rendering import formats
from tctfmsg.rendering.language import DEFAULT_LOCALE
from tctfmsg.rendering.registry import Registry
from tctfmsg.rendering.renderer import missing_variables

MAX_KEY = 255
MAX_DATA_BYTES = 16 * 1024
MAX_DATA_FIELDS = 50
MAX_VALUE_CHARS = 2_000
KEEP_FOR = timedelta(days=30)  # how long a record (and so its idempotency key) is kept


@dataclass(frozen=True)
class AcceptDeps:
    notifications: NotificationStore
    users: UserStore
    queue: NotificationQueue
    registry: Registry
    clock: Clock


@dataclass(frozen=True)
class Accepted:
    notification: Notification
    repeated: bool  # an earlier request with the same idempotency key made it


def accept(deps: AcceptDeps, request: NotificationRequest) -> Accepted:
    _check(deps, request)
    now = deps.clock.now()
    notification = Notification(
        notification_id=notification_id_for(request.idempotency_key),
        type=request.type,
        user_id=request.user_id,
        status=NotificationStatus.QUEUED,
        data=dict(request.data),
        fingerprint=request.fingerprint(),
        created_at=now,
        idempotency_key=request.idempotency_key,
        recipient=request.recipient,
        updated_at=now,
    )
    existing = deps.notifications.create(notification)
    if existing is not None:
        if existing.fingerprint != notification.fingerprint:
            raise Conflict(
                f"idempotency key {request.idempotency_key!r} was used for a different request",
                "use a new key for a new notification; repeat a request with the same payload",
            )
        if existing.status == NotificationStatus.QUEUED:
            # The first request may have stopped before it queued: queue again, which is
            # harmless (each channel is claimed once) and leaves nothing stranded.
            deps.queue.enqueue(existing.notification_id)
        return Accepted(existing, repeated=True)
    try:
        deps.queue.enqueue(notification.notification_id)
    except Exception:
        deps.notifications.update(
            notification.notification_id,
            NotificationStatus.FAILED,
            deps.clock.now(),
            expect=(NotificationStatus.QUEUED,),
            reason="not queued: the queue refused it; send it again",
        )
        raise
    return Accepted(notification, repeated=False)


def notification_id_for(idempotency_key: str | None) -> str:
    if idempotency_key is None:
        return f"n-{uuid.uuid4().hex}"
    digest = hashlib.sha256(idempotency_key.encode()).digest()[:16]
    return "n-" + base64.b32encode(digest).decode().rstrip("=").lower()


def request_from(body: Any) -> NotificationRequest:
    """A NotificationRequest from an API body or a direct invoke payload, checked field by
    field: nothing coerced, nothing unknown ignored silently."""
    if not isinstance(body, dict):
        raise InvalidInput("the request must be a JSON object", 'send {"type", "user_id", ...}')
    known = {"type", "user_id", "data", "idempotency_key", "email", "phone", "recipient"}
    unknown = sorted(set(body) - known)
    if unknown:
        raise InvalidInput(
            f"unknown field(s) {', '.join(repr(u[:40]) for u in unknown[:5])}",
            f"the fields are {', '.join(sorted(known))}",
        )
    type_ = _text(body, "type", required=True)
    user_id = check_user_id(_text(body, "user_id", required=True) or "")
    key = _text(body, "idempotency_key")
    if key is not None and not (0 < len(key) <= MAX_KEY and key.isprintable() and key.isascii()):
        raise InvalidInput(
            "invalid idempotency_key", f"use 1 to {MAX_KEY} printable ASCII characters"
        )
    recipient = body.get("recipient", {})
    if not isinstance(recipient, dict) or set(recipient) - {"email", "phone"}:
        raise InvalidInput("recipient must be an object with email and/or phone")
    email = _text(body, "email") or _text(recipient, "email")
    phone = _text(body, "phone") or _text(recipient, "phone")
    return NotificationRequest(
        type=type_ or "",
        user_id=user_id,
        data=checked_data(body.get("data", {})),
        idempotency_key=key,
        recipient=Recipient(
            email=check_email(email) if email else None,
            phone=check_phone(phone) if phone else None,
        ),
    )


def checked_data(data: Any) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise InvalidInput("data must be a JSON object of template variables")
    if len(data) > MAX_DATA_FIELDS:
        raise InvalidInput(f"data has {len(data)} fields", f"send at most {MAX_DATA_FIELDS}")
    for name, value in data.items():
        if not isinstance(name, str) or not name.isidentifier() or len(name) > 64:
            raise InvalidInput(f"invalid variable name {str(name)[:40]!r}", "use a-z, 0-9 and _")
        if isinstance(value, float) and not math.isfinite(value):
            raise InvalidInput(f"variable {name!r} is not a finite number")
        if not isinstance(value, str | int | float | bool) or value is None:
            raise InvalidInput(
                f"variable {name!r} must be text, a number or true/false",
                "nested objects and lists are not template variables",
            )
        if isinstance(value, str) and len(value) > MAX_VALUE_CHARS:
            raise InvalidInput(
                f"variable {name!r} is {len(value):,} characters",
                f"keep each under {MAX_VALUE_CHARS:,}",
            )
    size = len(json.dumps(data, ensure_ascii=False).encode())
    if size > MAX_DATA_BYTES:
        raise InvalidInput(f"data is {size:,} bytes", f"keep it under {MAX_DATA_BYTES:,}")
    return dict(data)


def _check(deps: AcceptDeps, request: NotificationRequest) -> None:
    entry = deps.registry.entry(request.type)
    if entry.category != "transactional":
        raise InvalidInput(
            f"{request.type!r} is a campaign template, not a notification type",
            "send it to a list with `tctfmsg campaign create`",
        )
    missing = missing_variables(entry, request.data)
    if missing:
        raise InvalidInput(
            f"{request.type} needs {', '.join(missing)} in data",
            f'give them with --data, e.g. \'{{"{missing[0]}": "..."}}\'',
        )
    formats.apply(entry.formats, request.data, DEFAULT_LOCALE)  # a malformed date or amount
    # Preferences are the worker's to apply (an opted-out notification is recorded skipped,
    # with its reason); an address the user lacks on every channel is the caller's to fix.
    inline = request.recipient.reaching(request.user_id, None)
    if any(inline.address(c) for c in entry.channels if c != "websocket"):
        return  # the caller gave an address it can go to: no need to read the user
    user = request.recipient.reaching(request.user_id, deps.users.get(request.user_id))
    if not any(user.address(channel) for channel in entry.channels):
        raise InvalidInput(
            f"user {request.user_id!r} has no address for {request.type} "
            f"(it goes by {', '.join(entry.channels)})",
            f"give them one with `tctfmsg user set {request.user_id}`, or pass --email/--phone",
        )


def _text(body: dict[str, Any], name: str, *, required: bool = False) -> str | None:
    value = body.get(name)
    if value is None:
        if required:
            raise InvalidInput(f"{name} is required")
        return None
    if not isinstance(value, str):
        raise InvalidInput(f"{name} must be text, not {type(value).__name__}")
    return value
