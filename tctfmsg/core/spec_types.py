"""The shapes of the resource spec: a table, a queue, a secret, a function. The declarations
themselves are in tctfmsg.core.specs, one module per owner; tctfmsg.core.resources gathers them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Final, Literal

Service = Literal["campaigns", "communication", "user_messages"]
SERVICES: tuple[Service, ...] = ("campaigns", "communication", "user_messages")
Owner = Literal["shared", "campaigns", "communication", "user_messages"]
SHARED: Final = "shared"
OWNERS: tuple[Owner, ...] = (SHARED, *SERVICES)
# Who a send is for: a class owns its part of every provider's rate (RateBudget).
SendClass = Literal["transactional", "campaign"]
AttributeType = Literal["S", "N", "B"]


@dataclass(frozen=True)
class Key:
    name: str
    type: AttributeType = "S"


@dataclass(frozen=True)
class Index:
    name: str
    partition: Key
    sort: Key | None = None


@dataclass(frozen=True)
class TableSpec:
    logical: str
    owner: Owner
    partition: Key
    sort: Key | None = None
    indexes: tuple[Index, ...] = ()
    ttl_attribute: str | None = None
    purpose: str = ""

    def physical_name(self, stage: str) -> str:
        return physical_name(stage, self.logical)

    def index(self, name: str) -> Index:
        for index in self.indexes:
            if index.name == name:
                return index
        raise KeyError(f"table {self.logical!r} has no index {name!r} in the spec")

    def attributes(self) -> dict[str, AttributeType]:
        """Every attribute that appears in a key of the table or of one of its indexes."""
        keys = [self.partition, self.sort]
        for index in self.indexes:
            keys += [index.partition, index.sort]
        return {k.name: k.type for k in keys if k is not None}


@dataclass(frozen=True)
class QueueSpec:
    logical: str
    owner: Owner
    visibility_timeout_s: int = 60
    retention_s: int = 4 * 24 * 3600
    dead_letter: str | None = None
    max_receives: int = 5
    purpose: str = ""

    def physical_name(self, stage: str) -> str:
        return physical_name(stage, self.logical)


@dataclass(frozen=True)
class SecretSpec:
    logical: str
    owner: Owner
    purpose: str = ""
    local_value: dict[str, str] = field(default_factory=dict)
    # keys whose local value is generated when the secret is created, never written down
    generated: tuple[str, ...] = ()
    # values that must be generated together (a key pair), likewise never written down
    generate: Callable[[], dict[str, str]] | None = None

    def physical_name(self, stage: str) -> str:
        return f"tctfmsg/{stage}/{self.logical}"

    def initial_value(self) -> dict[str, str]:
        import secrets

        together = self.generate() if self.generate else {}
        random = {k: secrets.token_urlsafe(32) for k in self.generated}
        return {**self.local_value, **random, **together}


def physical_name(stage: str, logical: str) -> str:
    return f"tctfmsg-{stage}-{logical.replace('_', '-')}"


@dataclass(frozen=True)
class QueueSource:
    """An SQS event source: the function receives batches with partial batch responses."""

    queue: str
    batch_size: int = 10
    max_concurrency: int = 2
    max_batching_window_s: int = 0


@dataclass(frozen=True)
class Uses:
    """Tables and secrets a function's role is granted, by logical name."""

    tables_read: tuple[str, ...] = ()
    tables_write: tuple[str, ...] = ()  # read and write
    secrets: tuple[str, ...] = ()


# What sending through the email backbone takes, so every sending function of every service is
# granted it without naming it: provider settings, the shared breakers, the providers' API keys.
# The suppression list is read before every send (docs/decisions/0077).
SENDING = Uses(
    tables_read=("config", "suppressions"), tables_write=("breakers",), secrets=("provider_keys",)
)


@dataclass(frozen=True)
class FunctionSpec:
    logical: str
    service: Service
    handler: str  # module:function under lambdas/
    timeout_s: int = 60
    memory_mb: int = 512
    queue_source: QueueSource | None = None  # reading it is granted with the event source
    schedule_minutes: int | None = None  # an EventBridge rate rule, in minutes
    purpose: str = ""
    api: bool = False  # fronted by a REST API whose every method needs IAM (SigV4) auth
    # API Gateway WebSocket route keys it handles ("$connect", "$default", "$disconnect")
    websocket_routes: tuple[str, ...] = ()
    # Public HTTP API route keys it serves ("GET /unsubscribe", "POST /webhooks/resend"): no
    # IAM auth, so the function itself verifies everything it is sent (a signed token, a
    # provider's webhook signature). Locally served by the stack's web endpoint.
    http_routes: tuple[str, ...] = ()
    # What the function may touch, and so all its role is granted (docs/decisions/0031).
    tables_read: tuple[str, ...] = ()
    tables_write: tuple[str, ...] = ()  # read and write
    queues_send: tuple[str, ...] = ()
    secrets: tuple[str, ...] = ()
    invokes: tuple[str, ...] = ()  # functions it starts, by logical name
    # The queue that keeps the events of its asynchronous invocations that failed every retry
    # (Lambda's on-failure destination); every function invoked asynchronously (a schedule, or
    # another function's `invokes`) names one (docs/decisions/0087).
    on_failure: str | None = None
    # Set for a function that sends email (SES, and Resend and SendGrid over HTTP): whose part
    # of each provider's rate it sends in (RATE_BUDGET). It is granted SENDING as well.
    send_class: SendClass | None = None

    def __post_init__(self) -> None:
        if self.send_class and self.queue_source is None:  # its instances split its share
            raise ValueError(f"sending function {self.logical} needs a bounded queue_source")

    @property
    def sends_email(self) -> bool:
        return self.send_class is not None

    @property
    def max_instances(self) -> int:
        """How many instances may run at once: bounded only for a queue-fed function."""
        if self.queue_source is None:
            raise ValueError(f"function {self.logical} has no bound on its instances")
        return self.queue_source.max_concurrency

    def physical_name(self, stage: str) -> str:
        return physical_name(stage, self.logical)

    def grants(self) -> Uses:
        """What its role holds: what it names, plus what sending takes if it sends."""
        extra = SENDING if self.sends_email else Uses()
        writes = _merged(self.tables_write, extra.tables_write)
        reads = tuple(t for t in _merged(self.tables_read, extra.tables_read) if t not in writes)
        return Uses(reads, writes, _merged(self.secrets, extra.secrets))


def _merged(*groups: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(name for group in groups for name in group))
