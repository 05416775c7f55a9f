"""send and sync: messages stored per conversation under an atomically assigned seq, pushed to
every member's live connections, found again by sync in seq order with no gap."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from tctfmsg.core.errors import NotFound
from tctfmsg.user_messages.domain.model import (
    MAX_ATTACHMENTS,
    ChatRefused,
    Message,
    NotAMember,
    Schedule,
    ScheduleKind,
    checked_id,
    checked_text,
    message_id,
)
from tctfmsg.user_messages.services import fanout, fields
from tctfmsg.user_messages.services.deps import ChatDeps
from tctfmsg.user_messages.services.fields import Caller, Frame
from tctfmsg.user_messages.services.views import ack_frame, message_frame, message_json

MAX_CONVERSATIONS_LISTED = 100


def require_member(deps: ChatDeps, conversation_id: str, user_id: str) -> None:
    if not deps.conversations.is_member(conversation_id, user_id):
        raise NotAMember.of(conversation_id)


def send(
    deps: ChatDeps,
    caller: Caller,
    conversation_id: str,
    text: str,
    client_msg_id: str | None = None,
    attachments: tuple[str, ...] = (),
) -> dict[str, Any]:
    """Store and push one message; the ack for the sender. A client_msg_id seen before from
    this sender stores nothing and acks the message it made."""
    text = checked_text(text)
    client_msg_id = checked_id(client_msg_id or uuid.uuid4().hex, "client_msg_id")
    sender = caller.user_id
    if attachments:  # uploads are looked for only in a conversation of the caller's
        require_member(deps, conversation_id, sender)
    # Membership is checked by taking the seq, below; a claim can only be a member's own.
    earlier = deps.messages.by_client_id(conversation_id, sender, client_msg_id)
    if earlier is not None:
        return ack_frame(earlier)
    for attachment_id in attachments[:MAX_ATTACHMENTS]:
        if not deps.attachments.exists(conversation_id, attachment_id):
            raise ChatRefused(
                f"no uploaded attachment {attachment_id}",
                "upload it first with the URL the attach action gave",
                code="unknown_attachment",
            )
    taken = deps.conversations.take_seq(conversation_id, sender)
    seq = taken.last_seq
    message = Message(
        conversation_id=conversation_id,
        seq=seq,
        message_id=message_id(conversation_id, seq),
        sender=sender,
        text=text,
        sent_at=deps.clock.now(),
        client_msg_id=client_msg_id,
        attachments=attachments,
    )
    stored = deps.messages.add(message)
    if stored.seq != seq:  # a resend raced this one and won: its seq stays, ours is void
        deps.messages.mark_void(conversation_id, seq)
        return ack_frame(stored)
    frame = message_frame(stored, deps.attachments.download_url)
    unreached = fanout.to_members(
        deps, conversation_id, frame, skip_connection=caller.connection_id,
        members=sorted(taken.members),
    )  # fmt: skip
    _notice_later(deps, conversation_id, [m for m in unreached if m != sender])
    return ack_frame(stored)


def _notice_later(deps: ChatDeps, conversation_id: str, offline: list[str]) -> None:
    """One unread notice per offline member and conversation per window: the notice for the
    first message they missed is due after the delay; later ones find it already pending."""
    now = deps.clock.now()
    at = now + timedelta(seconds=deps.limits.unread_notice_after_s)
    for member in offline:
        deps.schedules.add(
            Schedule(
                schedule_id=f"unread/{conversation_id}/{member}",
                kind=ScheduleKind.UNREAD_NOTICE,
                conversation_id=conversation_id,
                user_id=member,
                at=at,
                created_at=now,
            )
        )


def send_frame(deps: ChatDeps, caller: Caller, frame: Frame) -> dict[str, Any]:
    return send(
        deps,
        caller,
        fields.conversation_id(frame),
        frame.get("text"),  # type: ignore[arg-type]  # checked_text refuses a non-string
        fields.optional_id(frame, "client_msg_id"),
        fields.id_list(frame, "attachments", MAX_ATTACHMENTS),
    )


def sync_frame(deps: ChatDeps, caller: Caller, frame: Frame) -> dict[str, Any]:
    if frame.get("conversation_id") is None:
        return {"type": "conversations", "conversations": conversations_of(deps, caller.user_id)}
    conversation_id = fields.conversation_id(frame)
    after_seq = fields.integer(frame, "after_seq", 0, 10**12, default=0)
    return history(deps, caller.user_id, conversation_id, after_seq)


def history(
    deps: ChatDeps, user_id: str | None, conversation_id: str, after_seq: int = 0
) -> dict[str, Any]:
    """One page of a conversation after `after_seq`, in seq order (user_id None: an operator)."""
    if user_id is not None:
        require_member(deps, conversation_id, user_id)
    elif deps.conversations.get(conversation_id) is None:
        raise NotFound(f"no conversation {conversation_id}")
    page = deps.messages.after(conversation_id, after_seq, deps.limits.sync_page)
    url = deps.attachments.download_url
    return {
        "type": "messages",
        "conversation_id": conversation_id,
        "messages": [message_json(m, url) for m in page.messages],
        "next_after_seq": page.next_after,
    }


def conversations_of(deps: ChatDeps, user_id: str) -> list[dict[str, Any]]:
    found = []
    for conversation_id in deps.conversations.of_user(user_id, MAX_CONVERSATIONS_LISTED):
        conversation = deps.conversations.get(conversation_id)
        if conversation is None:
            continue
        receipt = deps.receipts.get(conversation_id, user_id)
        read = receipt.seq if receipt else 0
        found.append(
            {
                "conversation_id": conversation_id,
                "title": conversation.title,
                "unread": max(0, conversation.last_seq - read),
                "last_seq": conversation.last_seq,
            }
        )
    return found
