"""The provider-events dead-letter queue and its main queue in memory, keeping the order in
which messages were sent on and removed (so a test can see nothing is removed before it is
sent)."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from tctfmsg.campaigns.ports import DeadLetter
from tctfmsg.core.health import QueueFigures


@dataclass
class MemoryDeadLetters:
    letters: dict[str, DeadLetter] = field(default_factory=dict)
    hidden: set[str] = field(default_factory=set)
    steps: list[tuple[str, str]] = field(default_factory=list)  # (what, message id)
    refuse_removal: set[str] = field(default_factory=set)
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))

    def put(self, body: str, sent_at: datetime | None, receives: int = 5) -> str:
        message_id = f"m-{next(self._ids):03d}"
        self.letters[message_id] = DeadLetter(
            message_id, body, f"r-{message_id}", sent_at, receives
        )
        return message_id

    def borrow(self, most: int, hide_s: int) -> list[DeadLetter]:
        assert hide_s > 0
        free = [x for k, x in self.letters.items() if k not in self.hidden][: min(10, most)]
        self.hidden.update(x.message_id for x in free)
        return [replace(x, receives=x.receives + 1) for x in free]

    def give_back(self, letters: Sequence[DeadLetter]) -> None:
        self.hidden.difference_update(x.message_id for x in letters)

    def remove(self, letters: Sequence[DeadLetter]) -> dict[str, str]:
        undone = {}
        for letter in letters:
            if letter.message_id in self.refuse_removal:
                undone[letter.message_id] = "SQS refused it: InternalError"
                continue
            self.steps.append(("removed", letter.message_id))
            del self.letters[letter.message_id]
            self.hidden.discard(letter.message_id)
        return undone

    @property
    def visible(self) -> list[str]:
        return [k for k in self.letters if k not in self.hidden]


@dataclass
class MemoryMainQueue:
    steps: list[tuple[str, str]]
    bodies: list[str] = field(default_factory=list)
    refuse: set[str] = field(default_factory=set)  # message ids it will not take

    def requeue(self, letters: Sequence[DeadLetter]) -> dict[str, str]:
        undone = {}
        for letter in letters:
            if letter.message_id in self.refuse:
                undone[letter.message_id] = "SQS refused it: KMS.ThrottlingException"
                continue
            self.steps.append(("sent", letter.message_id))
            self.bodies.append(letter.body)
        return undone


@dataclass
class FixedGauge:
    figures: QueueFigures

    def measure(self, logical: str) -> QueueFigures:
        assert logical == "provider_events_dlq"
        return self.figures
