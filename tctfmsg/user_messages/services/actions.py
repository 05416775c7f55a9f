"""The frame actions besides send and sync: read receipts, typing, pins and search."""

from __future__ import annotations

from typing import Any

from tctfmsg.core.errors import NotFound
from tctfmsg.user_messages.domain.model import ChatRefused, Pin, Receipt, seq_of
from tctfmsg.user_messages.domain.words import MAX_QUERY_WORDS, words
from tctfmsg.user_messages.services import fanout, fields
from tctfmsg.user_messages.services.deps import ChatDeps
from tctfmsg.user_messages.services.fields import Caller, Frame
from tctfmsg.user_messages.services.messages import require_member
from tctfmsg.user_messages.services.views import message_json, pin_json

MAX_QUERY_CHARS = 200


def _member_of(deps: ChatDeps, caller: Caller, frame: Frame) -> str:
    conversation_id = fields.conversation_id(frame)
    require_member(deps, conversation_id, caller.user_id)
    return conversation_id


def read(deps: ChatDeps, caller: Caller, frame: Frame) -> dict[str, Any]:
    conversation_id = _member_of(deps, caller, frame)
    conversation = deps.conversations.get(conversation_id)
    last = conversation.last_seq if conversation else 0
    seq = fields.integer(frame, "seq", 0, last)
    receipt = Receipt(conversation_id, caller.user_id, seq, deps.clock.now())
    answer = {"type": "receipt", "conversation_id": conversation_id, "user": caller.user_id,
              "seq": seq}  # fmt: skip
    if deps.receipts.advance(receipt):
        fanout.to_members(deps, conversation_id, answer, skip_connection=caller.connection_id)
    return answer


def typing(deps: ChatDeps, caller: Caller, frame: Frame) -> None:
    """Not stored, and not answered: it is only worth anything while it is fresh."""
    conversation_id = _member_of(deps, caller, frame)
    signal = {"type": "typing", "conversation_id": conversation_id, "user": caller.user_id}
    fanout.to_members(deps, conversation_id, signal, skip_connection=caller.connection_id)


def pin(deps: ChatDeps, caller: Caller, frame: Frame) -> dict[str, Any]:
    conversation_id = _member_of(deps, caller, frame)
    message_id = frame.get("message_id")
    seq = seq_of(conversation_id, message_id)
    message = deps.messages.get(conversation_id, seq)
    if message is None:
        raise NotFound(f"no message {message_id} in this conversation")
    deps.pins.pin(Pin(conversation_id, message.message_id, caller.user_id, deps.clock.now()))
    return _tell(deps, caller, "pinned", conversation_id, message.message_id)


def unpin(deps: ChatDeps, caller: Caller, frame: Frame) -> dict[str, Any]:
    conversation_id = _member_of(deps, caller, frame)
    message_id = frame.get("message_id")
    seq_of(conversation_id, message_id)  # refuses an id that cannot be one of this conversation
    if not deps.pins.unpin(conversation_id, str(message_id)):
        raise NotFound(f"message {message_id} is not pinned")
    return _tell(deps, caller, "unpinned", conversation_id, str(message_id))


def _tell(
    deps: ChatDeps, caller: Caller, kind: str, conversation_id: str, message_id: str
) -> dict[str, Any]:
    frame = {
        "type": kind,
        "conversation_id": conversation_id,
        "message_id": message_id,
        "user": caller.user_id,
    }
    fanout.to_members(deps, conversation_id, frame, skip_connection=caller.connection_id)
    return frame


def pins(deps: ChatDeps, caller: Caller, frame: Frame) -> dict[str, Any]:
    conversation_id = _member_of(deps, caller, frame)
    found = [pin_json(p) for p in deps.pins.of(conversation_id)]
    return {"type": "pins", "conversation_id": conversation_id, "pins": found}


def search(deps: ChatDeps, caller: Caller, frame: Frame) -> dict[str, Any]:
    """Messages holding every word of the query, in any order, case and accents aside; only
    in a conversation the caller belongs to."""
    conversation_id = _member_of(deps, caller, frame)
    wanted = words(fields.text(frame, "query", MAX_QUERY_CHARS))
    if not wanted:
        raise ChatRefused("the query has no words to look for", code="invalid_field")
    if len(wanted) > MAX_QUERY_WORDS:
        raise ChatRefused(f"a query has at most {MAX_QUERY_WORDS} words", code="invalid_field")
    found = deps.messages.search(conversation_id, sorted(wanted), deps.limits.search_results)
    url = deps.attachments.download_url
    return {
        "type": "search_results",
        "conversation_id": conversation_id,
        "messages": [message_json(m, url) for m in found],
    }
