"""A chat ready for the browser page: the users' own conversation, found again or created, and
a token that connects as each of them for the time asked."""

from __future__ import annotations

import pytest

from tctfmsg.core.errors import InvalidInput
from tctfmsg.user_messages.domain import token
from tctfmsg.user_messages.services.invites import invite
from tests.support.chat_memory import TOKEN_KEY
from tests.unit.user_messages.conftest import Chat


def test_a_new_pair_gets_a_conversation_of_their_own_titled_with_their_names(chat: Chat) -> None:
    invited = invite(chat.deps, ["ada", " bob"], 600)

    assert invited.conversation.members == {"ada", "bob"}
    assert invited.conversation.title == "ada & bob"
    assert chat.deps.conversations.get(invited.conversation.conversation_id) is not None


def test_each_user_gets_a_token_that_connects_as_them_for_the_time_asked(chat: Chat) -> None:
    invited = invite(chat.deps, ["ada", "bob"], 600)

    claims = [(u, token.verify(TOKEN_KEY, t, chat.clock.now())) for u, t in invited.tokens]
    assert [(u, c.sub, c.exp - c.iat) for u, c in claims] == [
        ("ada", "ada", 600), ("bob", "bob", 600)]  # fmt: skip


def test_the_same_users_find_their_conversation_again_and_not_a_larger_one(chat: Chat) -> None:
    larger = chat.conversation("ada", "bob", "cy")
    theirs = chat.conversation("ada", "bob")

    again = invite(chat.deps, ["bob", "ada", "ada"], 600)

    assert again.conversation.conversation_id == theirs != larger
    assert len(chat.deps.conversations.every()) == 2


@pytest.mark.parametrize(
    ("users", "ttl"),
    [(["ada"], 600), (["ada", "ada"], 600), (["a", "b", "c", "d", "e"], 600),
     (["ada", "bo b"], 600), (["ada", "<b>"], 600), (["ada", "bob"], 0),
     (["ada", "bob"], 10**6)],
)  # fmt: skip
def test_a_refused_invite_creates_nothing(chat: Chat, users: list[str], ttl: int) -> None:
    with pytest.raises(InvalidInput):
        invite(chat.deps, users, ttl)

    assert chat.deps.conversations.every() == []
