"""Users and their preferences: set (create or change only what is given), show, delete; opt a
user in or out of a notification type on a channel; their quiet hours.

Every change is written over the revision it read, so it never undoes a change made meanwhile
(a dead push token the worker removed): on a clash it reads again and reapplies the change."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from tctfmsg.communication.domain.user import (
    MAX_PUSH_TOKENS,
    QuietHours,
    User,
    check_email,
    check_locale,
    check_phone,
    check_push_token,
    check_timezone,
    check_user_id,
)
from tctfmsg.communication.ports import UserChanged, UserStore
from tctfmsg.core.clock import Clock, SystemClock
from tctfmsg.core.errors import Conflict, InvalidInput, NotFound
from tctfmsg.rendering.registry import Registry

WRITE_ATTEMPTS = 3
MAX_NAME = 64  # of a notification type or channel, so an error line never echoes a flood
SYSTEM_CLOCK = SystemClock()


@dataclass(frozen=True)
class PreferenceRow:
    """One notification type as it applies to one user: each allowed channel on or off."""

    type: str
    security_critical: bool
    channels: dict[str, bool]


def set_user(
    store: UserStore,
    user_id: str,
    *,
    email: str | None = None,
    phone: str | None = None,
    whatsapp: str | None = None,
    push_tokens: Sequence[str] | None = None,
    timezone: str | None = None,
    locale: str | None = None,
    clock: Clock = SYSTEM_CLOCK,
) -> User:
    """Create the user, or change the fields given (None: left as it is). An empty email, phone
    or WhatsApp number removes it; an empty list of push tokens removes them all."""
    check_user_id(user_id)
    changes: dict[str, Any] = {}
    if email is not None:
        changes["email"] = check_email(email) if email != "" else None
    if phone is not None:
        changes["phone"] = check_phone(phone) if phone != "" else None
    if whatsapp is not None:
        changes["whatsapp"] = check_phone(whatsapp, "WhatsApp") if whatsapp != "" else None
    if push_tokens is not None:
        changes["push_tokens"] = _checked_tokens(push_tokens)
    if timezone is not None:
        changes["timezone"] = check_timezone(timezone)
    if locale is not None:
        changes["locale"] = check_locale(locale)

    def change(current: User | None) -> User:
        now = clock.now()
        base = current or User(user_id, created_at=now)
        return replace(base, **changes, updated_at=now)

    return _write(store, user_id, change)


USER_FIELDS = ("email", "phone", "whatsapp", "push_tokens", "timezone", "locale")


def user_changes(body: Any) -> dict[str, Any]:
    """`set_user`'s keyword arguments from an API body, its shape checked: nothing coerced,
    nothing unknown ignored."""
    if not isinstance(body, dict) or set(body) - set(USER_FIELDS):
        raise InvalidInput("a user is a JSON object", f"its fields are {', '.join(USER_FIELDS)}")
    for name, value in body.items():
        if name == "push_tokens":
            if not isinstance(value, list) or not all(isinstance(t, str) for t in value):
                raise InvalidInput("push_tokens must be a list of text")
        elif not isinstance(value, str):
            raise InvalidInput(f"{name} must be text")
    return dict(body)


def show_user(store: UserStore, user_id: str) -> User:
    user = store.get(check_user_id(user_id))
    if user is None:
        raise _no_user(user_id)
    return user


def delete_user(store: UserStore, user_id: str) -> None:
    if not store.delete(check_user_id(user_id)):
        raise _no_user(user_id)


def set_preference(
    store: UserStore,
    registry: Registry,
    user_id: str,
    notification_type: str,
    channel: str,
    on: bool,
    *,
    clock: Clock = SYSTEM_CLOCK,
) -> User:
    """Opt the user in to (on) or out of (off) one type on one of its channels. A
    security-critical type cannot be opted out of."""
    check_user_id(user_id)
    change = _preference(registry, notification_type, channel, on)
    return _update(store, user_id, lambda user: change(user, clock.now()))


def set_quiet_hours(
    store: UserStore, user_id: str, window: str | None, *, clock: Clock = SYSTEM_CLOCK
) -> User:
    """Set the user's daily quiet hours ("22:00-07:00", in their timezone); None: none."""
    check_user_id(user_id)
    change = _quiet_hours(window)
    return _update(store, user_id, lambda user: change(user, clock.now()))


def change_preferences(
    store: UserStore,
    registry: Registry,
    user_id: str,
    *,
    notification_type: str | None = None,
    channel: str | None = None,
    on: bool | None = None,
    quiet_hours: str | None = None,
    no_quiet_hours: bool = False,
    clock: Clock = SYSTEM_CLOCK,
) -> User:
    """What `user prefs` asks for, checked whole, then written at once: one type's channel on
    or off, the quiet hours set or removed, or nothing (the user as stored)."""
    check_user_id(user_id)
    changes: list[Callable[[User, datetime], User]] = []
    if (notification_type, channel, on) != (None, None, None):
        if notification_type is None or channel is None or on is None:
            raise InvalidInput("--type, --channel and --on or --off go together", "give all three")
        changes.append(_preference(registry, notification_type, channel, on))
    if quiet_hours is not None and no_quiet_hours:
        raise InvalidInput("--quiet-hours and --no-quiet-hours contradict each other", "give one")
    if quiet_hours is not None or no_quiet_hours:
        changes.append(_quiet_hours(quiet_hours))
    if not changes:
        return show_user(store, user_id)

    def change_all(user: User) -> User:
        now = clock.now()
        for change in changes:
            user = change(user, now)
        return user

    return _update(store, user_id, change_all)


def preference_table(registry: Registry, user: User) -> list[PreferenceRow]:
    """Every transactional type with each of its channels on or off for this user (a
    security-critical type is always on)."""
    return [
        PreferenceRow(
            entry.type,
            entry.security_critical,
            {c: entry.security_critical or user.allows(entry.type, c) for c in entry.channels},
        )
        for entry in registry.values()
        if entry.category == "transactional"
    ]


def user_fields(user: User) -> dict[str, Any]:
    """A user as the doors show it (the CLI's --json, the API's answers)."""
    return {
        "user_id": user.user_id,
        "email": user.email,
        "phone": user.phone,
        "whatsapp": user.whatsapp,
        "push_tokens": list(user.push_tokens),
        "locale": user.locale,
        "timezone": user.timezone,
        "quiet_hours": str(user.quiet_hours) if user.quiet_hours else None,
        "preferences": {t: dict(by_channel) for t, by_channel in user.preferences.items()},
    }


def _preference(
    registry: Registry, notification_type: str, channel: str, on: bool
) -> Callable[[User, datetime], User]:
    if not isinstance(on, bool):
        raise InvalidInput("a preference is on or off", "give --on or --off")
    if not isinstance(notification_type, str) or not isinstance(channel, str):
        raise InvalidInput(
            "a preference needs a notification type and a channel", "give --type and --channel"
        )
    if len(notification_type) > MAX_NAME or len(channel) > MAX_NAME:
        raise InvalidInput(
            "no notification type or channel has a name that long",
            "see `tctfmsg user prefs USER_ID` for the types and channels",
        )
    entry = registry.entry(notification_type)
    if entry.category != "transactional":
        raise InvalidInput(
            f"{entry.type} is a campaign: its recipients opt out by unsubscribing",
            "preferences are for transactional types; see `tctfmsg template list`",
        )
    if channel not in entry.channels:
        raise InvalidInput(
            f"{entry.type} is never sent by {channel[:40]!r}",
            f"its channels are {', '.join(entry.channels)}",
        )
    if entry.security_critical and not on:
        raise InvalidInput(
            f"{entry.type} is security-critical and cannot be opted out of",
            "it always reaches the user; only non-critical types can be turned off",
        )

    def change(user: User, now: datetime) -> User:
        preferences = {t: dict(by_channel) for t, by_channel in user.preferences.items()}
        preferences.setdefault(entry.type, {})[channel] = on
        return replace(user, preferences=preferences, updated_at=now)

    return change


def _quiet_hours(window: str | None) -> Callable[[User, datetime], User]:
    quiet = QuietHours.parse(window) if window is not None else None
    return lambda user, now: replace(user, quiet_hours=quiet, updated_at=now)


def _checked_tokens(tokens: Sequence[str]) -> tuple[str, ...]:
    if not isinstance(tokens, list | tuple):
        raise InvalidInput(
            "push tokens must be a list of device tokens", "give each token on its own"
        )
    unique = tuple(dict.fromkeys(check_push_token(t) for t in tokens))
    if len(unique) > MAX_PUSH_TOKENS:
        raise InvalidInput(
            f"{len(unique)} push tokens is too many",
            f"a user has at most {MAX_PUSH_TOKENS} devices",
        )
    return unique


def _write(store: UserStore, user_id: str, change: Callable[[User | None], User]) -> User:
    for _ in range(WRITE_ATTEMPTS):
        current = store.get(user_id)
        try:
            return store.put(change(current))
        except UserChanged:
            continue
    raise Conflict(
        f"user {user_id} kept changing while this change was made", "run the command again"
    )


def _update(store: UserStore, user_id: str, change: Callable[[User], User]) -> User:
    def existing(current: User | None) -> User:
        if current is None:
            raise _no_user(user_id)
        return change(current)

    return _write(store, user_id, existing)


def _no_user(user_id: str) -> NotFound:
    return NotFound(
        f"no user {user_id}", f"create it with `tctfmsg user set {user_id} --email ADDRESS`"
    )
