"""The chat service's ports in memory, for unit tests of its use cases and doors. Each keeps
the contract its DynamoDB/S3/API Gateway adapter keeps (claims, conditional writes, 410s)."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from tctfmsg.user_messages.domain.model import (
    Connection,
    Conversation,
    Message,
    NotAMember,
    Pin,
    Receipt,
    Schedule,
    StaleConnection,
)
from tctfmsg.user_messages.domain.words import words as words_of
from tctfmsg.user_messages.ports import MessagePage, Upload
from tctfmsg.user_messages.services.deps import ChatDeps, ChatLimits
from tests.support.campaign_memory import FixedClock

TOKEN_KEY = b"k" * 32


class MemoryConnections:
    def __init__(self) -> None:
        self.items: dict[str, Connection] = {}
        self.user_lookups: list[str] = []

    def put(self, connection: Connection) -> None:
        self.items[connection.connection_id] = connection

    def get(self, connection_id: str) -> Connection | None:
        return self.items.get(connection_id)

    def delete(self, connection_id: str) -> None:
        self.items.pop(connection_id, None)

    def of_user(self, user_id: str) -> list[Connection]:
        self.user_lookups.append(user_id)
        return [c for c in self.items.values() if c.user_id == user_id]

    def every(self, limit: int = 1000) -> list[Connection]:
        return list(self.items.values())[:limit]


class MemoryConversations:
    def __init__(self) -> None:
        self.items: dict[str, Conversation] = {}
        self.lock = threading.Lock()
        self.member_reads = 0

    def create(self, conversation: Conversation) -> None:
        self.items[conversation.conversation_id] = conversation

    def get(self, conversation_id: str) -> Conversation | None:
        return self.items.get(conversation_id)

    def members(self, conversation_id: str) -> list[str]:
        self.member_reads += 1
        found = self.items.get(conversation_id)
        return sorted(found.members) if found else []

    def is_member(self, conversation_id: str, user_id: str) -> bool:
        found = self.items.get(conversation_id)
        return found is not None and user_id in found.members

    def of_user(self, user_id: str, limit: int = 100) -> list[str]:
        return [c.conversation_id for c in self.items.values() if user_id in c.members][:limit]

    def take_seq(self, conversation_id: str, member: str) -> Conversation:
        with self.lock:
            found = self.items.get(conversation_id)
            if found is None or member not in found.members:
                raise NotAMember.of(conversation_id)
            taken = replace(found, last_seq=found.last_seq + 1)
            self.items[conversation_id] = taken
            return taken

    def every(self, limit: int = 1000) -> list[Conversation]:
        return list(self.items.values())[:limit]


class MemoryMessages:
    def __init__(self) -> None:
        self.items: dict[tuple[str, int], Message | None] = {}  # None: a void seq
        self.claims: dict[tuple[str, str, str], int] = {}

    def add(self, message: Message) -> Message:
        claim = (message.conversation_id, message.sender, message.client_msg_id)
        if claim in self.claims:
            earlier = self.items[(message.conversation_id, self.claims[claim])]
            assert earlier is not None
            return earlier
        assert (message.conversation_id, message.seq) not in self.items, "seq taken twice"
        self.items[(message.conversation_id, message.seq)] = message
        self.claims[claim] = message.seq
        return message

    def by_client_id(self, conversation_id: str, sender: str, client_msg_id: str) -> Message | None:
        seq = self.claims.get((conversation_id, sender, client_msg_id))
        return None if seq is None else self.items[(conversation_id, seq)]

    def get(self, conversation_id: str, seq: int) -> Message | None:
        return self.items.get((conversation_id, seq))

    def after(self, conversation_id: str, after_seq: int, limit: int) -> MessagePage:
        seqs = sorted(s for c, s in self.items if c == conversation_id and s > after_seq)
        page = seqs[:limit]
        found = [m for s in page if (m := self.items[(conversation_id, s)]) is not None]
        return MessagePage(found, page[-1] if len(seqs) > limit else None)

    def search(self, conversation_id: str, words: Iterable[str], limit: int) -> list[Message]:
        wanted = set(words)
        found = [
            m
            for (c, _), m in sorted(self.items.items(), key=lambda kv: -kv[0][1])
            if c == conversation_id and m is not None and wanted <= words_of(m.text)
        ]
        return found[:limit]

    def mark_void(self, conversation_id: str, seq: int) -> None:
        self.items.setdefault((conversation_id, seq), None)


class MemoryReceipts:
    def __init__(self) -> None:
        self.items: dict[tuple[str, str], Receipt] = {}

    def advance(self, receipt: Receipt) -> bool:
        key = (receipt.conversation_id, receipt.user_id)
        if key in self.items and self.items[key].seq >= receipt.seq:
            return False
        self.items[key] = receipt
        return True

    def get(self, conversation_id: str, user_id: str) -> Receipt | None:
        return self.items.get((conversation_id, user_id))


class MemoryPins:
    def __init__(self) -> None:
        self.items: dict[tuple[str, str], Pin] = {}

    def pin(self, pin: Pin) -> None:
        self.items[(pin.conversation_id, pin.message_id)] = pin

    def unpin(self, conversation_id: str, message_id: str) -> bool:
        return self.items.pop((conversation_id, message_id), None) is not None

    def of(self, conversation_id: str) -> list[Pin]:
        return [p for (c, _), p in self.items.items() if c == conversation_id]


class MemorySchedules:
    def __init__(self) -> None:
        self.items: dict[str, Schedule] = {}

    def add(self, schedule: Schedule) -> bool:
        if schedule.schedule_id in self.items:
            return False
        self.items[schedule.schedule_id] = schedule
        return True

    def get(self, schedule_id: str) -> Schedule | None:
        return self.items.get(schedule_id)

    def due(self, now: datetime, limit: int) -> list[Schedule]:
        return sorted((s for s in self.items.values() if s.at <= now), key=lambda s: s.at)[:limit]

    def remove(self, schedule_id: str) -> bool:
        return self.items.pop(schedule_id, None) is not None


@dataclass
class RecordingGateway:
    """Records every frame it takes; a connection in `gone` answers like API Gateway's 410."""

    sent: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    gone: set[str] = field(default_factory=set)

    def post(self, connection_id: str, data: Mapping[str, Any]) -> None:
        if connection_id in self.gone:
            raise StaleConnection(connection_id)
        self.sent.append((connection_id, dict(data)))

    def to(self, connection_id: str) -> list[dict[str, Any]]:
        return [frame for c, frame in self.sent if c == connection_id]


@dataclass
class RecordingNotifier:
    told: list[tuple[str, str, int]] = field(default_factory=list)

    def notify_unread(self, user_id: str, conversation_id: str, count: int) -> None:
        self.told.append((user_id, conversation_id, count))


@dataclass
class MemoryAttachments:
    uploaded: set[tuple[str, str]] = field(default_factory=set)
    asked: list[tuple[str, str, str, int, str]] = field(default_factory=list)

    def upload(
        self, conversation_id: str, attachment_id: str, content_type: str, size: int, filename: str
    ) -> Upload:
        self.asked.append((conversation_id, attachment_id, content_type, size, filename))
        return Upload(f"https://uploads.test/{attachment_id}", {"key": attachment_id})

    def exists(self, conversation_id: str, attachment_id: str) -> bool:
        return (conversation_id, attachment_id) in self.uploaded

    def download_url(self, conversation_id: str, attachment_id: str) -> str:
        return f"https://downloads.test/{conversation_id}/{attachment_id}"


def memory_chat(limits: ChatLimits | None = None, key: bytes = TOKEN_KEY) -> ChatDeps:
    return ChatDeps(
        connections=MemoryConnections(),
        conversations=MemoryConversations(),
        messages=MemoryMessages(),
        receipts=MemoryReceipts(),
        pins=MemoryPins(),
        schedules=MemorySchedules(),
        gateway=RecordingGateway(),
        notifier=RecordingNotifier(),
        attachments=MemoryAttachments(),
        clock=FixedClock(),
        token_key=lambda: key,
        limits=limits or ChatLimits(),
    )
