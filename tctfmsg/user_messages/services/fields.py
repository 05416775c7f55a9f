"""Reading a client frame's fields: every field is hostile until checked, nothing coerced."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from tctfmsg.user_messages.domain.model import ChatRefused, checked_id

Frame = Mapping[str, Any]
INVALID = "invalid_field"


@dataclass(frozen=True)
class Caller:
    user_id: str
    connection_id: str | None = None  # None: an operator acting as the user (the CLI)


def conversation_id(frame: Frame) -> str:
    return checked_id(frame.get("conversation_id"), "conversation_id")


def optional_id(frame: Frame, name: str) -> str | None:
    value = frame.get(name)
    return None if value is None else checked_id(value, name)


def integer(frame: Frame, name: str, low: int, high: int, default: int | None = None) -> int:
    value = frame.get(name, default)
    if type(value) is not int or not low <= value <= high:  # no bools, floats or strings
        raise ChatRefused(f"{name} must be a whole number from {low} to {high}", code=INVALID)
    return value


def text(frame: Frame, name: str, max_chars: int) -> str:
    value = frame.get(name)
    if not isinstance(value, str) or not value.strip() or len(value) > max_chars:
        raise ChatRefused(f"{name} must be text of 1 to {max_chars} characters", code=INVALID)
    return value


def id_list(frame: Frame, name: str, max_items: int) -> tuple[str, ...]:
    value = frame.get(name, [])
    if not isinstance(value, list) or len(value) > max_items:
        raise ChatRefused(f"{name} must be a list of at most {max_items} ids", code=INVALID)
    return tuple(dict.fromkeys(checked_id(item, name) for item in value))
