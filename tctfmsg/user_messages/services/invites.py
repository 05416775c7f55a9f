"""A chat ready to open in a browser: the users' conversation (theirs alone, found again or
created) and a short-lived connection token for each of them."""

from __future__ import annotations

from dataclasses import dataclass

from tctfmsg.user_messages.domain.model import ChatRefused, Conversation, checked_id
from tctfmsg.user_messages.services import connections, conversations
from tctfmsg.user_messages.services.deps import ChatDeps

MIN_USERS, MAX_USERS = 2, 4  # one pane each, side by side
CONVERSATIONS_LOOKED_AT = 100


@dataclass(frozen=True)
class Invite:
    conversation: Conversation
    tokens: tuple[tuple[str, str], ...]  # (user, token), in the order the users were given


def invite(deps: ChatDeps, users: list[str], ttl_s: int) -> Invite:
    """The conversation whose members are exactly `users` (the first found, else a new one
    titled with their names) and a token for each user, valid for ttl_s seconds."""
    wanted = list(dict.fromkeys(checked_id(u.strip(), "user") for u in users))
    if not MIN_USERS <= len(wanted) <= MAX_USERS:
        raise ChatRefused(
            f"a chat page shows {MIN_USERS} to {MAX_USERS} distinct users",
            "name them with --users, e.g. --users ada,bob",
        )
    tokens = tuple((user, connections.issue_token(deps, user, ttl_s)) for user in wanted)
    found = _theirs_alone(deps, wanted)
    if found is None:
        found = conversations.create(deps, wanted, " & ".join(wanted))
    return Invite(found, tokens)


def _theirs_alone(deps: ChatDeps, users: list[str]) -> Conversation | None:
    members = frozenset(users)
    for conversation_id in deps.conversations.of_user(users[0], CONVERSATIONS_LOOKED_AT):
        conversation = deps.conversations.get(conversation_id)
        if conversation is not None and conversation.members == members:
            return conversation
    return None
