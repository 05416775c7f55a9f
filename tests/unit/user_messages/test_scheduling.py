"""Scheduled messages, delivered by chat_scheduler as ordinary messages, and one unread notice
per offline member and conversation per delay window."""

from __future__ import annotations

from datetime import timedelta

from tctfmsg.core.dynamodb.codec import to_time
from tctfmsg.user_messages.services import scheduling
from tests.unit.user_messages.conftest import Chat


def _schedule(chat: Chat, connection: str, room: str, text: str, in_s: int) -> dict:
    at = to_time(chat.clock.now() + timedelta(seconds=in_s))
    answer = chat.frame(connection, {"action": "schedule", "conversation_id": room,
                                     "text": text, "at": at})  # fmt: skip
    assert answer is not None
    return answer


def test_a_scheduled_message_is_delivered_as_an_ordinary_message_when_due(chat: Chat) -> None:
    chat.connect("alice", "a1")
    chat.connect("bob", "b1")
    room = chat.conversation("alice", "bob")

    planned = _schedule(chat, "a1", room, "happy birthday", 90)
    early = scheduling.run_due(chat.deps)
    pushed_early = chat.pushed("b1", "message")
    chat.clock.advance(90)
    due = scheduling.run_due(chat.deps)
    again = scheduling.run_due(chat.deps)

    assert planned["type"] == "scheduled" and planned["schedule_id"]
    assert early["sent"] == 0 and pushed_early == []
    assert due["sent"] == 1 and again["sent"] == 0
    (message,) = chat.pushed("b1", "message")
    assert (message["sender"], message["text"], message["seq"]) == ("alice", "happy birthday", 1)


def test_a_run_that_died_before_removing_the_schedule_does_not_send_twice(chat: Chat) -> None:
    chat.connect("alice", "a1")
    room = chat.conversation("alice", "bob")
    _schedule(chat, "a1", room, "once", 60)
    chat.clock.advance(60)
    (pending,) = chat.deps.schedules.due(chat.clock.now(), 10)

    scheduling.run_due(chat.deps)
    chat.deps.schedules.add(pending)  # as if the run died after sending, before removing
    scheduling.run_due(chat.deps)

    (stored,) = chat.stored.items.values()
    assert stored is not None and stored.text == "once"


def test_an_unscheduled_message_is_never_delivered(chat: Chat) -> None:
    chat.connect("alice", "a1")
    chat.connect("bob", "b1")
    room = chat.conversation("alice", "bob")
    schedule_id = _schedule(chat, "a1", room, "never mind", 60)["schedule_id"]

    theirs = chat.frame("b1", {"action": "unschedule", "schedule_id": schedule_id})
    mine = chat.frame("a1", {"action": "unschedule", "schedule_id": schedule_id})
    chat.clock.advance(120)
    scheduling.run_due(chat.deps)

    assert theirs is not None and theirs["code"] == "not_found"  # only its sender may
    assert mine == {"type": "unscheduled", "schedule_id": schedule_id}
    assert chat.stored.items == {}


def test_a_time_without_a_zone_or_too_far_is_refused(chat: Chat) -> None:
    chat.connect("alice", "a1")
    room = chat.conversation("alice", "bob")
    base = {"action": "schedule", "conversation_id": room, "text": "x"}
    for at in ("2030-01-01T10:00:00", "tomorrow", 1893488400, "2031-06-01T10:00:00+00:00",
               "2029-12-31T08:00:00+00:00"):  # fmt: skip
        answer = chat.frame("a1", {**base, "at": at})
        assert answer is not None and answer["code"] == "invalid_field", at
    assert chat.deps.schedules.due(chat.clock.now() + timedelta(days=400), 10) == []


def test_an_offline_member_gets_one_unread_notice_per_conversation_per_window(chat: Chat) -> None:
    chat.connect("alice", "a1")  # bob has no connection
    room = chat.conversation("alice", "bob")
    delay = chat.deps.limits.unread_notice_after_s

    for n in range(3):
        chat.frame("a1", {"action": "send", "conversation_id": room, "text": f"m{n}"})
    chat.clock.advance(delay - 1)
    before = scheduling.run_due(chat.deps)
    chat.clock.advance(1)
    first = scheduling.run_due(chat.deps)
    repeat = scheduling.run_due(chat.deps)

    assert before["notified"] == 0
    assert first["notified"] == 1 and repeat["notified"] == 0
    assert chat.notifier.told == [("bob", room, 3)]

    chat.frame("a1", {"action": "send", "conversation_id": room, "text": "m3"})
    chat.clock.advance(delay)
    scheduling.run_due(chat.deps)
    assert chat.notifier.told == [("bob", room, 3), ("bob", room, 4)]  # the next window


def test_no_notice_once_the_member_has_read_or_when_they_were_online(chat: Chat) -> None:
    chat.connect("alice", "a1")
    chat.connect("carol", "c1")  # online: pushed, never noticed
    room = chat.conversation("alice", "bob", "carol")
    chat.frame("a1", {"action": "send", "conversation_id": room, "text": "hello"})
    chat.connect("bob", "b1")
    chat.frame("b1", {"action": "read", "conversation_id": room, "seq": 1})

    chat.clock.advance(chat.deps.limits.unread_notice_after_s)
    counts = scheduling.run_due(chat.deps)

    assert counts["notified"] == 0 and chat.notifier.told == []
