"""Stand-ins for what the `local` commands reach: the stack's process control, the running
stack's state file, its AWS APIs (for `local status`) and the local providers' control API.
Each records what it was asked, so a test can assert the call the command made."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tctfmsg.core import resources
from tctfmsg.core.resources import ResourceNames
from tctfmsg.local import stack
from tctfmsg.local import state as stack_state
from tctfmsg.local.providers import control
from tctfmsg.local.stack import UpResult
from tctfmsg.local.state import StackState

RUNNING = StackState(
    pid=4242,
    port=6200,
    endpoint="http://127.0.0.1:6200",
    started_at="2030-01-01T09:00:00+00:00",
    endpoints={
        "aws": "http://127.0.0.1:6200",
        "ses": "http://127.0.0.1:6203",
        "resend": "http://127.0.0.1:6204",
        "sendgrid": "http://127.0.0.1:6205",
        "web": "http://127.0.0.1:6210",
    },
)


def stack_running_in(monkeypatch: pytest.MonkeyPatch, directory: Path) -> StackState:
    """The state file says RUNNING is up in `directory` (and nothing runs anywhere else), with
    the keys its control API answers to."""
    stack_state.ensure_credentials(directory)
    monkeypatch.setattr(
        stack_state, "running", lambda where: RUNNING if Path(where) == directory else None
    )
    return RUNNING


@dataclass
class RecordingStack:
    """`stack.up` and `stack.down` without a process: each call is recorded and answered
    with the result (or raises the error) the test set."""

    up_answer: UpResult | Exception = field(
        default_factory=lambda: UpResult(RUNNING, already_running=False, restored=False)
    )
    down_answer: StackState | Exception | None = None
    calls: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = field(default_factory=list)

    def install(self, monkeypatch: pytest.MonkeyPatch) -> RecordingStack:
        monkeypatch.setattr(stack, "up", self.up)
        monkeypatch.setattr(stack, "down", self.down)
        return self

    def up(self, *args: Any, **kwargs: Any) -> UpResult:
        self.calls.append(("up", args, kwargs))
        if isinstance(self.up_answer, Exception):
            raise self.up_answer
        return self.up_answer

    def down(self, *args: Any, **kwargs: Any) -> StackState | None:
        self.calls.append(("down", args, kwargs))
        if isinstance(self.down_answer, Exception):
            raise self.down_answer
        return self.down_answer


@dataclass
class FakeProviderControl:
    """The local providers' control API in memory: outboxes and faults per provider. Which
    provider is known, and where it answers, is still decided by the real `control.endpoint`."""

    outboxes: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    faults: dict[str, dict[str, Any]] = field(default_factory=dict)
    calls: list[tuple[str, ...]] = field(default_factory=list)

    def install(self, monkeypatch: pytest.MonkeyPatch) -> FakeProviderControl:
        for name in ("outbox", "fault", "set_fault"):
            monkeypatch.setattr(control, name, getattr(self, name))
        return self

    def outbox(self, stack: control.StackAccess, provider: str) -> list[dict[str, Any]]:
        self.calls.append(("outbox", control.endpoint(stack.running, provider)))
        return list(self.outboxes.get(provider, []))

    def fault(self, stack: control.StackAccess, provider: str) -> dict[str, Any]:
        self.calls.append(("fault", control.endpoint(stack.running, provider)))
        return {"provider": provider, **self.faults.get(provider, {"mode": "up", "slow_ms": 0})}

    def set_fault(
        self, stack: control.StackAccess, provider: str, mode: str, slow_ms: int = 0
    ) -> dict[str, Any]:
        endpoint = control.endpoint(stack.running, provider)
        self.calls.append(("set_fault", endpoint, mode, str(slow_ms)))
        self.faults[provider] = {"mode": mode, "slow_ms": slow_ms}
        return {"provider": provider, **self.faults[provider]}


def received(provider: str, to: str, at: float, subject: str = "Hello") -> dict[str, Any]:
    """One outbox entry as a local provider records it."""
    return {"provider": provider, "received_at": at, "to": to, "subject": subject, "id": "m-1"}


class _Dynamo:
    def __init__(self, items: dict[str, int]) -> None:
        self.items = items

    def describe_table(self, TableName: str) -> dict[str, Any]:
        return {"Table": {"TableName": TableName, "ItemCount": self.items.get(TableName, 0)}}


class _Sqs:
    def __init__(self, depths: dict[str, tuple[int, int]]) -> None:
        self.depths = depths

    def get_queue_url(self, QueueName: str) -> dict[str, str]:
        return {"QueueUrl": f"http://127.0.0.1:6200/000000000000/{QueueName}"}

    def get_queue_attributes(self, QueueUrl: str, AttributeNames: list[str]) -> dict[str, Any]:
        visible, in_flight = self.depths.get(QueueUrl.rsplit("/", 1)[1], (0, 0))
        return {
            "Attributes": {
                "ApproximateNumberOfMessages": str(visible),
                "ApproximateNumberOfMessagesNotVisible": str(in_flight),
            }
        }


class FakeAwsClients:
    """What `local status` asks of Clients: the stage's names and two clients, answering with
    the item counts and queue depths the test gives (by physical name)."""

    def __init__(
        self, items: dict[str, int] | None = None, depths: dict[str, tuple[int, int]] | None = None
    ) -> None:
        self.names = ResourceNames("local")
        self._clients = {"dynamodb": _Dynamo(items or {}), "sqs": _Sqs(depths or {})}

    def client(self, service: str) -> Any:
        return self._clients[service]

    def physical(self, logical: str) -> str:
        return self.names[logical]


SPEC_TABLES = [t.logical for t in resources.TABLES]
SPEC_QUEUES = [q.logical for q in resources.QUEUES]
SPEC_SECRETS = [s.logical for s in resources.SECRETS]
