"""What the chat use cases need, handed in by the composition root (or a test)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from tctfmsg.core.clock import Clock
from tctfmsg.user_messages.ports import (
    AttachmentStore,
    ConnectionGateway,
    ConnectionStore,
    ConversationStore,
    MessageStore,
    Notifier,
    PinStore,
    ReceiptStore,
    ScheduleStore,
)


@dataclass(frozen=True)
class ChatLimits:
    sync_page: int = 100
    search_results: int = 20
    unread_notice_after_s: int = 300
    max_schedule_ahead_s: int = 30 * 24 * 3600
    max_attachment_bytes: int = 25 * 1024 * 1024
    attachment_types: frozenset[str] = field(
        default_factory=lambda: frozenset(
            {
                "image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf",
                "text/plain", "audio/mpeg", "audio/ogg", "video/mp4",
            }
        )
    )  # fmt: skip


@dataclass(frozen=True)
class ChatDeps:
    connections: ConnectionStore
    conversations: ConversationStore
    messages: MessageStore
    receipts: ReceiptStore
    pins: PinStore
    schedules: ScheduleStore
    gateway: ConnectionGateway
    notifier: Notifier
    attachments: AttachmentStore
    clock: Clock
    token_key: Callable[[], bytes]  # read on first use: the key lives in a secret
    limits: ChatLimits = field(default_factory=ChatLimits)
