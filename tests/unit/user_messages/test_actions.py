"""read, typing, pins, search and attach over the frame protocol."""

from __future__ import annotations

from typing import cast

from tests.support.chat_memory import MemoryAttachments, MemoryReceipts
from tests.unit.user_messages.conftest import Chat


def _room(chat: Chat) -> str:
    chat.connect("alice", "a1")
    chat.connect("bob", "b1")
    return chat.conversation("alice", "bob")


def _say(chat: Chat, connection: str, room: str, text: str) -> dict:
    answer = chat.frame(connection, {"action": "send", "conversation_id": room, "text": text})
    assert answer is not None and answer["type"] == "ack", answer
    return answer


def test_read_stores_the_receipt_and_tells_the_members(chat: Chat) -> None:
    room = _room(chat)
    _say(chat, "a1", room, "one")
    _say(chat, "a1", room, "two")

    answer = chat.frame("b1", {"action": "read", "conversation_id": room, "seq": 2})

    receipt = {"type": "receipt", "conversation_id": room, "user": "bob", "seq": 2}
    assert answer == receipt
    assert chat.pushed("a1", "receipt") == [receipt]
    stored = cast(MemoryReceipts, chat.deps.receipts).get(room, "bob")
    assert stored is not None and stored.seq == 2


def test_a_receipt_never_goes_backwards_nor_past_the_last_message(chat: Chat) -> None:
    room = _room(chat)
    _say(chat, "a1", room, "one")
    _say(chat, "a1", room, "two")
    chat.frame("b1", {"action": "read", "conversation_id": room, "seq": 2})

    back = chat.frame("b1", {"action": "read", "conversation_id": room, "seq": 1})
    ahead = chat.frame("b1", {"action": "read", "conversation_id": room, "seq": 3})

    assert back is not None and back["seq"] == 1
    assert len(chat.pushed("a1", "receipt")) == 1  # nothing new to tell
    assert cast(MemoryReceipts, chat.deps.receipts).items[(room, "bob")].seq == 2
    assert ahead is not None and ahead["code"] == "invalid_field"


def test_typing_reaches_the_others_and_is_not_answered(chat: Chat) -> None:
    room = _room(chat)

    answer = chat.frame("a1", {"action": "typing", "conversation_id": room})

    assert answer is None
    assert chat.pushed("b1") == [{"type": "typing", "conversation_id": room, "user": "alice"}]
    assert chat.pushed("a1") == []


def test_pin_unpin_and_list_pins(chat: Chat) -> None:
    room = _room(chat)
    message_id = _say(chat, "a1", room, "remember this")["message_id"]

    pinned = chat.frame("b1", {"action": "pin", "conversation_id": room, "message_id": message_id})
    listed = chat.frame("a1", {"action": "pins", "conversation_id": room})
    unpinned = chat.frame("a1", {"action": "unpin", "conversation_id": room,
                                 "message_id": message_id})  # fmt: skip
    after = chat.frame("a1", {"action": "pins", "conversation_id": room})

    assert pinned is not None and pinned["type"] == "pinned"
    assert chat.pushed("a1", "pinned")[0]["message_id"] == message_id
    assert listed is not None and [p["message_id"] for p in listed["pins"]] == [message_id]
    assert unpinned is not None and unpinned["type"] == "unpinned"
    assert chat.pushed("b1", "unpinned")[0]["user"] == "alice"
    assert after is not None and after["pins"] == []


def test_pinning_a_message_that_does_not_exist_is_an_error(chat: Chat) -> None:
    room = _room(chat)
    other = chat.conversation("alice", "carol")
    foreign = _say(chat, "a1", other, "elsewhere")["message_id"]

    for message_id in (f"{room}:9", foreign, "nonsense", 12):
        answer = chat.frame("a1", {"action": "pin", "conversation_id": room,
                                   "message_id": message_id})  # fmt: skip
        assert answer is not None and answer["code"] == "not_found", message_id


def test_search_finds_words_in_any_order_case_and_accents_aside(chat: Chat) -> None:
    room = _room(chat)
    _say(chat, "a1", room, "Rendez-vous au Café demain à huit heures")
    _say(chat, "b1", room, "D'accord, à demain")
    other = chat.conversation("bob", "carol")
    chat.connect("carol", "c1")
    _say(chat, "c1", other, "rendez-vous au cafe")

    found = chat.frame("b1", {"action": "search", "conversation_id": room,
                              "query": "CAFE rendez"})  # fmt: skip
    both = chat.frame("b1", {"action": "search", "conversation_id": room, "query": "demain"})
    none = chat.frame("b1", {"action": "search", "conversation_id": room, "query": "café nuit"})

    assert found is not None and found["type"] == "search_results"
    assert [m["text"] for m in found["messages"]] == ["Rendez-vous au Café demain à huit heures"]
    assert both is not None and [m["seq"] for m in both["messages"]] == [2, 1]  # newest first
    assert none is not None and none["messages"] == []


def test_search_only_in_conversations_one_belongs_to(chat: Chat) -> None:
    room = _room(chat)
    _say(chat, "a1", room, "secret plans")
    chat.connect("mallory", "m1")

    answer = chat.frame("m1", {"action": "search", "conversation_id": room, "query": "secret"})

    assert answer is not None and answer["code"] == "not_member"


def test_attach_gives_a_bounded_upload_and_receivers_get_a_download_url(chat: Chat) -> None:
    room = _room(chat)
    store = cast(MemoryAttachments, chat.deps.attachments)

    upload = chat.frame("a1", {"action": "attach", "conversation_id": room,
                               "filename": "../cat pic.png", "content_type": "image/png",
                               "size": 2048})  # fmt: skip
    assert upload is not None and upload["type"] == "upload" and upload["url"]
    attachment_id = upload["attachment_id"]
    assert store.asked == [(room, attachment_id, "image/png", 2048, ".._cat pic.png")]

    early = chat.frame("a1", {"action": "send", "conversation_id": room, "text": "look",
                              "attachments": [attachment_id]})  # fmt: skip
    store.uploaded.add((room, attachment_id))  # the client posted the file
    sent = chat.frame("a1", {"action": "send", "conversation_id": room, "text": "look",
                             "attachments": [attachment_id]})  # fmt: skip

    assert early is not None and early["code"] == "unknown_attachment"
    assert sent is not None and sent["type"] == "ack"
    (message,) = chat.pushed("b1", "message")
    assert message["attachments"] == [
        {"attachment_id": attachment_id,
         "url": f"https://downloads.test/{room}/{attachment_id}"}]  # fmt: skip


def test_attach_refuses_what_is_too_large_or_of_another_type(chat: Chat) -> None:
    room = _room(chat)
    base = {"action": "attach", "conversation_id": room, "filename": "f"}
    for bad in (
        {"content_type": "image/png", "size": 25 * 1024 * 1024 + 1},
        {"content_type": "image/png", "size": 0},
        {"content_type": "image/png", "size": "10"},
        {"content_type": "application/x-msdownload", "size": 10},
    ):
        answer = chat.frame("a1", {**base, **bad})
        assert answer is not None and answer["code"] == "invalid_attachment", bad
    assert cast(MemoryAttachments, chat.deps.attachments).asked == []
