"""An in-memory UserStore with the DynamoDB adapter's semantics: a user read from it is written
only over the revision it was read at, one never stored replaces any; an atomic token removal
that gives a new revision; delete says whether there was a user."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from itertools import count

from tctfmsg.communication.domain.user import User
from tctfmsg.communication.ports import UserChanged

_revisions = count(1)


@dataclass
class MemoryUserStore:
    items: dict[str, User] = field(default_factory=dict)
    puts: int = 0
    # Runs just before each put is checked: a test's way to change the user "meanwhile".
    before_put: Callable[[MemoryUserStore], None] | None = None

    def get(self, user_id: str) -> User | None:
        return self.items.get(user_id)

    def put(self, user: User) -> User:
        if self.before_put is not None:
            self.before_put(self)
        current = self.items.get(user.user_id)
        if user.revision is not None and (current is None or current.revision != user.revision):
            raise UserChanged(f"user {user.user_id} changed")
        stored = replace(user, revision=f"r{next(_revisions)}")
        self.items[user.user_id] = stored
        self.puts += 1
        return stored

    def delete(self, user_id: str) -> bool:
        return self.items.pop(user_id, None) is not None

    def remove_push_token(self, user_id: str, token: str) -> None:
        current = self.items.get(user_id)
        if current is not None and token in current.push_tokens:
            self.items[user_id] = replace(
                current.without_token(token), revision=f"r{next(_revisions)}"
            )
