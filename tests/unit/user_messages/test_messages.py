"""send and sync over the frame protocol: acks, pushes to every member's live connections,
resends stored once, offline members catching up in order, stale connections forgotten."""

from __future__ import annotations

from typing import cast

from tctfmsg.user_messages.services import messages
from tctfmsg.user_messages.services.deps import ChatLimits
from tctfmsg.user_messages.services.fields import Caller
from tests.support.chat_memory import MemoryConversations, memory_chat
from tests.unit.user_messages.conftest import Chat


def _send(chat: Chat, connection: str, conversation: str, text: str, **extra: object) -> dict:
    frame = {"action": "send", "conversation_id": conversation, "text": text, **extra}
    answer = chat.frame(connection, frame)
    assert answer is not None
    return answer


def test_two_members_exchange_messages_and_acks(chat: Chat) -> None:
    chat.connect("alice", "a1")
    chat.connect("alice", "a2")  # alice's other device
    chat.connect("bob", "b1")
    room = chat.conversation("alice", "bob")

    ack = _send(chat, "a1", room, "hi bob", client_msg_id="m1", request_id="r1")
    reply = _send(chat, "b1", room, "hi alice", client_msg_id="m2")

    assert ack == {"type": "ack", "conversation_id": room, "client_msg_id": "m1",
                   "message_id": f"{room}:1", "seq": 1, "request_id": "r1"}  # fmt: skip
    assert chat.pushed("a1", "ack") == [ack]  # the answer went back through the gateway
    assert reply["seq"] == 2
    (to_bob,) = chat.pushed("b1", "message")
    assert (to_bob["sender"], to_bob["text"], to_bob["seq"]) == ("alice", "hi bob", 1)
    assert [m["text"] for m in chat.pushed("a2", "message")] == ["hi bob", "hi alice"]
    assert [m["text"] for m in chat.pushed("a1", "message")] == ["hi alice"]  # own: the ack


def test_members_are_found_through_the_user_index(chat: Chat) -> None:
    chat.connect("alice", "a1")
    chat.connect("bob", "b1")
    chat.connect("carol", "c1")  # not in the conversation
    room = chat.conversation("alice", "bob")

    _send(chat, "a1", room, "hello")

    assert sorted(set(chat.live.user_lookups)) == ["alice", "bob"]
    assert chat.pushed("c1") == []


def test_a_send_routes_by_the_members_its_seq_came_with_and_reads_them_no_more(
    chat: Chat,
) -> None:
    chat.connect("alice", "a1")
    chat.connect("bob", "b1")
    room = chat.conversation("alice", "bob")
    conversations = cast(MemoryConversations, chat.deps.conversations)

    _send(chat, "a1", room, "hello")

    assert conversations.member_reads == 0
    assert [m["text"] for m in chat.pushed("b1", "message")] == ["hello"]


def test_an_offline_member_gets_every_message_on_sync_in_order_with_no_gap() -> None:
    chat = Chat(memory_chat(ChatLimits(sync_page=3)))
    chat.connect("alice", "a1")
    room = chat.conversation("alice", "bob")
    for n in range(1, 8):
        _send(chat, "a1", room, f"message {n}")

    chat.connect("bob", "b1")
    seen, after = [], 0
    while True:
        page = chat.frame("b1", {"action": "sync", "conversation_id": room, "after_seq": after})
        assert page is not None and page["type"] == "messages"
        seen += [m["seq"] for m in page["messages"]]
        if page["next_after_seq"] is None:
            break
        after = page["next_after_seq"]

    assert seen == [1, 2, 3, 4, 5, 6, 7]


def test_sync_without_a_conversation_lists_unread_and_last_seq(chat: Chat) -> None:
    chat.connect("alice", "a1")
    chat.connect("bob", "b1")
    room = chat.conversation("alice", "bob")
    for n in range(3):
        _send(chat, "a1", room, f"m{n}")
    chat.frame("b1", {"action": "read", "conversation_id": room, "seq": 1})

    listed = chat.frame("b1", {"action": "sync"})

    assert listed == {"type": "conversations", "conversations": [
        {"conversation_id": room, "title": "", "unread": 2, "last_seq": 3}]}  # fmt: skip


def test_a_gone_connection_is_deleted_and_the_senders_is_untouched(chat: Chat) -> None:
    chat.connect("alice", "a1")
    chat.connect("bob", "b-dead")
    chat.connect("bob", "b-live")
    room = chat.conversation("alice", "bob")
    chat.gateway.gone.add("b-dead")  # killed without a close frame: the gateway answers 410

    ack = _send(chat, "a1", room, "still there?")

    assert ack["type"] == "ack"
    assert set(chat.live.items) == {"a1", "b-live"}
    assert [m["text"] for m in chat.pushed("b-live", "message")] == ["still there?"]


def test_a_resent_client_msg_id_stores_once_and_acks_the_same_message(chat: Chat) -> None:
    chat.connect("alice", "a1")
    chat.connect("bob", "b1")
    room = chat.conversation("alice", "bob")

    first = _send(chat, "a1", room, "once", client_msg_id="dup-1")
    again = _send(chat, "a1", room, "once", client_msg_id="dup-1")

    assert (again["message_id"], again["seq"]) == (first["message_id"], first["seq"])
    assert len([m for m in chat.stored.items.values() if m is not None]) == 1
    assert len(chat.pushed("b1", "message")) == 1


def test_the_same_client_msg_id_from_another_sender_is_another_message(chat: Chat) -> None:
    chat.connect("alice", "a1")
    chat.connect("bob", "b1")
    room = chat.conversation("alice", "bob")

    first = _send(chat, "a1", room, "from alice", client_msg_id="same")
    second = _send(chat, "b1", room, "from bob", client_msg_id="same")

    assert (first["seq"], second["seq"]) == (1, 2)


def test_a_frame_for_a_conversation_one_is_not_in_is_an_error_and_the_next_works(
    chat: Chat,
) -> None:
    chat.connect("mallory", "m1")
    chat.connect("alice", "a1")
    theirs = chat.conversation("alice", "bob")
    mine = chat.conversation("mallory", "alice")

    refused = _send(chat, "m1", theirs, "let me in", request_id=7)
    peek = chat.frame("m1", {"action": "sync", "conversation_id": theirs})
    accepted = _send(chat, "m1", mine, "hello alice")

    assert refused["type"] == "error" and refused["code"] == "not_member"
    assert refused["request_id"] == 7
    assert peek is not None and peek["code"] == "not_member"
    assert accepted["type"] == "ack"
    assert chat.stored.get(theirs, 1) is None


def test_malformed_json_and_unknown_actions_are_errors_and_the_socket_stays_usable(
    chat: Chat,
) -> None:
    chat.connect("alice", "a1")
    room = chat.conversation("alice", "bob")

    broken = chat.frame("a1", '{"action": "send", ')
    not_an_object = chat.frame("a1", "[1, 2]")
    unknown = chat.frame("a1", {"action": "launch", "request_id": "r9"})
    no_action = chat.frame("a1", {"text": "hm"})
    fine = _send(chat, "a1", room, "works")

    assert broken is not None and broken["code"] == "malformed_frame"
    assert not_an_object is not None and not_an_object["code"] == "malformed_frame"
    assert unknown == {"type": "error", "code": "unknown_action", "message": "unknown action "
                       "'launch'", "hint": unknown["hint"], "request_id": "r9"}  # fmt: skip
    assert "send" in unknown["hint"]
    assert no_action is not None and no_action["code"] == "unknown_action"
    assert fine["type"] == "ack"


def test_a_message_too_long_is_refused_and_nothing_is_stored(chat: Chat) -> None:
    chat.connect("alice", "a1")
    room = chat.conversation("alice", "bob")

    refused = _send(chat, "a1", room, "x" * 4001)
    at_limit = _send(chat, "a1", room, "x" * 4000)

    assert refused["code"] == "too_long"
    assert at_limit["seq"] == 1


def test_hostile_fields_are_refused_not_coerced(chat: Chat) -> None:
    chat.connect("alice", "a1")
    room = chat.conversation("alice", "bob")

    hostile = ({"text": 5}, {"text": "ok", "client_msg_id": 5}, {"text": "ok", "attachments": "x"})
    for bad in hostile:
        answer = chat.frame("a1", {"action": "send", "conversation_id": room, **bad})
        assert answer is not None and answer["code"] == "invalid_field", bad
    after = chat.frame("a1", {"action": "sync", "conversation_id": room, "after_seq": "0"})
    assert after is not None and after["code"] == "invalid_field"
    assert chat.stored.items == {}


def test_a_frame_from_an_unknown_connection_is_an_error(chat: Chat) -> None:
    answer = chat.frame("ghost", {"action": "sync"})
    assert answer is not None and answer["code"] == "unknown_connection"


def test_the_cli_path_sends_through_the_same_service(chat: Chat) -> None:
    chat.connect("bob", "b1")
    room = chat.conversation("alice", "bob")

    ack = messages.send(chat.deps, Caller("alice"), room, "from the operator")

    assert ack["seq"] == 1
    assert [m["sender"] for m in chat.pushed("b1", "message")] == ["alice"]
