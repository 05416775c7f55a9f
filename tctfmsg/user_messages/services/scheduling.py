"""Scheduled messages (schedule, unschedule) and what chat_scheduler does every minute: send
the due ones as ordinary messages and tell offline members of what they have not read."""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta
from typing import Any

from tctfmsg.core.errors import NotFound
from tctfmsg.user_messages.domain.model import (
    MAX_TEXT_CHARS,
    ChatRefused,
    Schedule,
    ScheduleKind,
    checked_id,
    checked_text,
)
from tctfmsg.user_messages.services import fields, messages
from tctfmsg.user_messages.services.deps import ChatDeps
from tctfmsg.user_messages.services.fields import Caller, Frame
from tctfmsg.user_messages.services.views import schedule_frame

logger = logging.getLogger(__name__)
DUE_PER_RUN = 500
PAST_GRACE = timedelta(minutes=1)


def schedule(deps: ChatDeps, caller: Caller, frame: Frame) -> dict[str, Any]:
    conversation_id = fields.conversation_id(frame)
    text = checked_text(frame.get("text"))
    messages.require_member(deps, conversation_id, caller.user_id)
    now = deps.clock.now()
    at = _moment(frame.get("at"), now, deps.limits.max_schedule_ahead_s)
    planned = Schedule(
        schedule_id=uuid.uuid4().hex,
        kind=ScheduleKind.MESSAGE,
        conversation_id=conversation_id,
        user_id=caller.user_id,
        at=max(at, now),
        text=text,
        created_at=now,
    )
    deps.schedules.add(planned)
    return schedule_frame(planned)


def unschedule(deps: ChatDeps, caller: Caller, frame: Frame) -> dict[str, Any]:
    schedule_id = checked_id(frame.get("schedule_id"), "schedule_id")
    found = deps.schedules.get(schedule_id)
    mine = found and found.kind is ScheduleKind.MESSAGE and found.user_id == caller.user_id
    if not mine or not deps.schedules.remove(schedule_id):
        raise NotFound(f"no pending scheduled message {schedule_id} of yours")
    return {"type": "unscheduled", "schedule_id": schedule_id}


def _moment(value: object, now: datetime, max_ahead_s: int) -> datetime:
    if not isinstance(value, str) or len(value) > 40:
        raise ChatRefused("at must be an ISO 8601 time with a zone", code="invalid_field")
    try:
        at = datetime.fromisoformat(value)
    except ValueError:
        raise ChatRefused("at must be an ISO 8601 time with a zone", code="invalid_field") from None
    if at.tzinfo is None:
        raise ChatRefused("at has no zone", "add Z or +HH:MM", code="invalid_field")
    if at < now - PAST_GRACE or at > now + timedelta(seconds=max_ahead_s):
        raise ChatRefused(
            f"at must be between now and {max_ahead_s // 86400} days ahead", code="invalid_field"
        )
    return at


def run_due(deps: ChatDeps) -> dict[str, int]:
    """Send every due scheduled message and unread notice once (at most DUE_PER_RUN a run)."""
    counts = {"sent": 0, "notified": 0, "dropped": 0}
    for due in deps.schedules.due(deps.clock.now(), DUE_PER_RUN):
        if due.kind is ScheduleKind.MESSAGE:
            counts[_send_scheduled(deps, due)] += 1
        elif deps.schedules.remove(due.schedule_id):  # claimed: no other run tells them too
            counts["notified"] += _notice(deps, due)
    return counts


def _send_scheduled(deps: ChatDeps, due: Schedule) -> str:
    """Sent under a client_msg_id of its own, then removed: a run that dies between the two
    leaves it due, and the next run's resend stores nothing new."""
    caller = Caller(due.user_id)
    try:
        messages.send(deps, caller, due.conversation_id, due.text[:MAX_TEXT_CHARS],
                      client_msg_id=f"schedule-{due.schedule_id}")  # fmt: skip
        outcome = "sent"
    except ChatRefused as refused:  # the sender left the conversation since, say
        logger.warning("scheduled message %s dropped: %s", due.schedule_id, refused)
        outcome = "dropped"
    deps.schedules.remove(due.schedule_id)
    return outcome


def _notice(deps: ChatDeps, due: Schedule) -> int:
    conversation = deps.conversations.get(due.conversation_id)
    receipt = deps.receipts.get(due.conversation_id, due.user_id)
    unread = (conversation.last_seq if conversation else 0) - (receipt.seq if receipt else 0)
    if unread <= 0:
        return 0
    deps.notifier.notify_unread(due.user_id, due.conversation_id, unread)
    return 1
