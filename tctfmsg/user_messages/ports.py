"""The chat service's ports, named by role. Adapters implement them by technology."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from tctfmsg.user_messages.domain.model import (
    Connection,
    Conversation,
    Message,
    Pin,
    Receipt,
    Schedule,
)


class ConnectionStore(Protocol):
    def put(self, connection: Connection) -> None: ...

    def get(self, connection_id: str) -> Connection | None: ...

    def delete(self, connection_id: str) -> None: ...

    def of_user(self, user_id: str) -> list[Connection]:
        """A user's connections, through the user index (never a scan)."""
        ...

    def every(self, limit: int = 1000) -> list[Connection]:
        """For operators: up to `limit` connections."""
        ...


class ConversationStore(Protocol):
    def create(self, conversation: Conversation) -> None: ...

    def get(self, conversation_id: str) -> Conversation | None: ...

    def members(self, conversation_id: str) -> list[str]: ...

    def is_member(self, conversation_id: str, user_id: str) -> bool: ...

    def of_user(self, user_id: str, limit: int = 100) -> list[str]:
        """The ids of a user's conversations."""
        ...

    def take_seq(self, conversation_id: str, member: str) -> Conversation:
        """Add one to the counter of a conversation `member` is in, atomically, and answer the
        conversation as that left it: `last_seq` is the seq taken, `members` who to push the
        message to. NotAMember (and nothing taken) if there is no such conversation or
        `member` is not in it."""
        ...

    def every(self, limit: int = 1000) -> list[Conversation]:
        """For operators: up to `limit` conversations."""
        ...


@dataclass(frozen=True)
class MessagePage:
    messages: list[Message]
    next_after: int | None  # the seq to continue after; None when nothing follows


class MessageStore(Protocol):
    def add(self, message: Message) -> Message:
        """Store it and its claim on (sender, client_msg_id) together; if the claim exists,
        store nothing and answer the message that holds it."""
        ...

    def by_client_id(
        self, conversation_id: str, sender: str, client_msg_id: str
    ) -> Message | None: ...

    def get(self, conversation_id: str, seq: int) -> Message | None: ...

    def after(self, conversation_id: str, after_seq: int, limit: int) -> MessagePage:
        """Messages with a seq above `after_seq`, in seq order."""
        ...

    def search(self, conversation_id: str, words: Iterable[str], limit: int) -> list[Message]:
        """Messages holding every word, newest first."""
        ...

    def mark_void(self, conversation_id: str, seq: int) -> None:
        """A seq that was taken but holds no message: no reader waits for it."""
        ...


class ReceiptStore(Protocol):
    def advance(self, receipt: Receipt) -> bool:
        """Raise the member's read seq to receipt.seq; False if it was already that high."""
        ...

    def get(self, conversation_id: str, user_id: str) -> Receipt | None: ...


class PinStore(Protocol):
    def pin(self, pin: Pin) -> None: ...

    def unpin(self, conversation_id: str, message_id: str) -> bool: ...

    def of(self, conversation_id: str) -> list[Pin]: ...


class ScheduleStore(Protocol):
    def add(self, schedule: Schedule) -> bool:
        """Store it unless its id exists; False if it did."""
        ...

    def get(self, schedule_id: str) -> Schedule | None: ...

    def due(self, now: datetime, limit: int) -> list[Schedule]:
        """Pending schedules due at or before now, oldest first."""
        ...

    def remove(self, schedule_id: str) -> bool:
        """True if this call removed it (so it was still pending)."""
        ...


class ConnectionGateway(Protocol):
    """Pushes a frame to one connection. Raises StaleConnection for a gone connection and
    PushFailed for any other refusal; never a vendor error."""

    def post(self, connection_id: str, data: Mapping[str, Any]) -> None: ...


class Notifier(Protocol):
    """Tells an offline member of unread messages: the communication service implements it."""

    def notify_unread(self, user_id: str, conversation_id: str, count: int) -> None: ...


@dataclass(frozen=True)
class Upload:
    url: str
    fields: dict[str, str]


class AttachmentStore(Protocol):
    def upload(
        self, conversation_id: str, attachment_id: str, content_type: str, size: int, filename: str
    ) -> Upload:
        """A presigned upload that accepts exactly this type and at most this size."""
        ...

    def exists(self, conversation_id: str, attachment_id: str) -> bool: ...

    def download_url(self, conversation_id: str, attachment_id: str) -> str: ...
