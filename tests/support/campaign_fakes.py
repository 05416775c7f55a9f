"""Hand-written fakes of the campaign pipeline's outward ports: renderer, sender, invoker."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from tctfmsg.core.errors import NotFound
from tctfmsg.email.message import (
    AllProvidersUnavailable,
    EmailMessage,
    RecipientRejected,
    SendReceipt,
    SendWithdrawn,
)
from tctfmsg.rendering.renderer import MissingVariables


@dataclass(frozen=True)
class Rendered:
    subject: str
    html: str
    text: str


class FakeRenderer:
    templates = ("newsletter",)
    required: tuple[str, ...] = ()  # variables the data must carry, as the registry declares

    def render(self, template: str, data: Mapping[str, Any]) -> Rendered:
        if template not in self.templates:
            raise NotFound(f"no template {template}")
        missing = [name for name in self.required if not data.get(name)]
        if missing:
            raise MissingVariables(template, missing)
        return Rendered("s", f"<p>Hi {data['name']}</p>", f"Hi {data['name']}")


@dataclass
class FakeSender:
    """Records every message it accepts; can be told to be down or to reject addresses."""

    down: bool = False
    fail_next: int = 0
    rejects: set[str] = field(default_factory=set)
    sent: list[EmailMessage] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def send(
        self, message: EmailMessage, *, proceed: Callable[[], bool] | None = None
    ) -> SendReceipt:
        if proceed is not None and not proceed():  # as the backbone asks, after pacing
            raise SendWithdrawn(f"{message.to}: withdrawn")
        with self.lock:
            if self.down or self.fail_next > 0:
                self.fail_next = max(0, self.fail_next - 1)
                raise AllProvidersUnavailable(("ses: down", "resend: down"))
            if message.to in self.rejects:
                raise RecipientRejected("ses", message.to, "address does not exist")
            self.sent.append(message)
            return SendReceipt("ses", f"m-{len(self.sent)}")

    def count(self, address: str) -> int:
        return sum(1 for m in self.sent if m.to == address)


@dataclass
class RecordingInvoker:
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def invoke_async(self, function: str, payload: Mapping[str, Any]) -> None:
        self.calls.append((function, dict(payload)))
