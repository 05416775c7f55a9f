"""The frames the service sends: the protocol clients rely on (names kept exactly)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tctfmsg.core.dynamodb.codec import to_time
from tctfmsg.user_messages.domain.model import Conversation, Message, Pin, Schedule

DownloadUrl = Callable[[str, str], str]


def message_json(message: Message, download_url: DownloadUrl | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "conversation_id": message.conversation_id,
        "message_id": message.message_id,
        "seq": message.seq,
        "sender": message.sender,
        "text": message.text,
        "sent_at": to_time(message.sent_at),
    }
    if message.attachments:
        body["attachments"] = [
            {"attachment_id": a}
            | ({"url": download_url(message.conversation_id, a)} if download_url else {})
            for a in message.attachments
        ]
    return body


def message_frame(message: Message, download_url: DownloadUrl) -> dict[str, Any]:
    return {"type": "message", **message_json(message, download_url)}


def ack_frame(message: Message) -> dict[str, Any]:
    return {
        "type": "ack",
        "conversation_id": message.conversation_id,
        "client_msg_id": message.client_msg_id,
        "message_id": message.message_id,
        "seq": message.seq,
    }


def pin_json(pin: Pin) -> dict[str, Any]:
    return {
        "message_id": pin.message_id,
        "pinned_by": pin.pinned_by,
        "pinned_at": to_time(pin.pinned_at),
    }


def schedule_frame(schedule: Schedule) -> dict[str, Any]:
    return {
        "type": "scheduled",
        "schedule_id": schedule.schedule_id,
        "conversation_id": schedule.conversation_id,
        "at": to_time(schedule.at),
    }


def conversation_json(conversation: Conversation) -> dict[str, Any]:
    return {
        "conversation_id": conversation.conversation_id,
        "kind": conversation.kind.value,
        "title": conversation.title,
        "members": sorted(conversation.members),
        "last_seq": conversation.last_seq,
        "created_at": to_time(conversation.created_at),
    }


def error_frame(code: str, message: str, hint: str | None = None) -> dict[str, Any]:
    frame: dict[str, Any] = {"type": "error", "code": code, "message": message}
    if hint:
        frame["hint"] = hint
    return frame
