"""What chat is made of: connections, conversations, messages, receipts, pins, schedules."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from tctfmsg.core.errors import InvalidInput, NotFound, TctfmsgError

MAX_TEXT_CHARS = 4000
MAX_TITLE_CHARS = 200
MAX_MEMBERS = 100
MAX_ATTACHMENTS = 10
_ID = re.compile(r"[A-Za-z0-9._@:+-]{1,128}")
_CONNECTION_ID = re.compile(r"[A-Za-z0-9+/=_-]{1,128}")  # API Gateway's look like BFHPhfCWIAMCKlQ=


class StaleConnection(TctfmsgError):
    """The connection is gone (API Gateway's 410 GoneException): forget it."""

    def __init__(self, connection_id: str) -> None:
        super().__init__(f"connection {connection_id} is gone")
        self.connection_id = connection_id


class PushFailed(TctfmsgError):
    """The gateway did not take a frame for a live connection (throttled, unavailable)."""


class ChatRefused(InvalidInput):
    """A frame the service will not act on; `code` is the error frame's code."""

    code = "invalid"

    def __init__(self, message: str, hint: str | None = None, *, code: str | None = None):
        super().__init__(message, hint)
        if code:
            self.code = code


class NotAMember(ChatRefused):
    code = "not_member"

    @classmethod
    def of(cls, conversation_id: str) -> NotAMember:
        return cls(
            f"you are not a member of conversation {conversation_id}",
            "only its members can send to it or read it",
        )


class UnknownConnection(NotFound):
    """A frame from a connection the service does not know (expired, or never connected)."""


def checked_id(value: object, what: str) -> str:
    """An identifier from outside: a short string of safe characters, nothing else."""
    if not isinstance(value, str) or not _ID.fullmatch(value):
        raise ChatRefused(
            f"{what} must be 1 to 128 letters, digits or . _ @ : + -", code="invalid_field"
        )
    return value


def checked_connection_id(value: object) -> str:
    if not isinstance(value, str) or not _CONNECTION_ID.fullmatch(value):
        raise ChatRefused("not a connection id", code="invalid_field")
    return value


def checked_text(value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ChatRefused("text must be a non-empty string", code="invalid_field")
    if len(value) > MAX_TEXT_CHARS:
        raise ChatRefused(
            f"the message is {len(value)} characters; the limit is {MAX_TEXT_CHARS}",
            "split it into several messages",
            code="too_long",
        )
    return value


@dataclass(frozen=True)
class Connection:
    connection_id: str
    user_id: str
    connected_at: datetime
    expires_at: int  # epoch seconds: the table's TTL attribute


class ConversationKind(StrEnum):
    DIRECT = "direct"
    GROUP = "group"


@dataclass(frozen=True)
class Conversation:
    conversation_id: str
    kind: ConversationKind
    created_at: datetime
    title: str = ""
    last_seq: int = 0
    members: frozenset[str] = field(default_factory=frozenset)


@dataclass(frozen=True)
class Message:
    conversation_id: str
    seq: int
    message_id: str
    sender: str
    text: str
    sent_at: datetime
    client_msg_id: str = ""
    attachments: tuple[str, ...] = ()


def message_id(conversation_id: str, seq: int) -> str:
    """A message's id names where it is, so a pin finds it with one read."""
    return f"{conversation_id}:{seq}"


def seq_of(conversation_id: str, message_id: object) -> int:
    prefix = f"{conversation_id}:"
    if isinstance(message_id, str) and message_id.startswith(prefix):
        number = message_id.removeprefix(prefix)
        if number.isascii() and number.isdigit() and len(number) <= 12:
            return int(number)
    raise NotFound(f"no message {str(message_id)[:80]!r} in this conversation")


@dataclass(frozen=True)
class Receipt:
    conversation_id: str
    user_id: str
    seq: int
    read_at: datetime


@dataclass(frozen=True)
class Pin:
    conversation_id: str
    message_id: str
    pinned_by: str
    pinned_at: datetime


class ScheduleKind(StrEnum):
    MESSAGE = "message"  # a message to send at `at`
    UNREAD_NOTICE = "unread_notice"  # tell an offline member at `at` if still unread


@dataclass(frozen=True)
class Schedule:
    schedule_id: str
    kind: ScheduleKind
    conversation_id: str
    user_id: str  # the sender of a message; the member to tell of a notice
    at: datetime
    text: str = ""
    created_at: datetime | None = None
