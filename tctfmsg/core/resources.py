"""The resource spec: every table, index, TTL attribute and queue, declared once.

The CDK stacks and the embedded stack both read this module; nothing else declares a resource.
Physical names are derived from the stage, so a name never has to be typed twice.

Each resource has an owner: a service, or SHARED for the slice every service's senders use (the
email backbone's state and the templates), deployed once per stage (docs/decisions/0063). The
RATE_BUDGET splits each provider's rate between the sending functions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final, Literal, TypeVar

from tctfmsg.core.rate_budget import RateBudget

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

    def physical_name(self, stage: str) -> str:
        return f"tctfmsg/{stage}/{self.logical}"

    def initial_value(self) -> dict[str, str]:
        import secrets

        return {**self.local_value, **{k: secrets.token_urlsafe(32) for k in self.generated}}


def physical_name(stage: str, logical: str) -> str:
    return f"tctfmsg-{stage}-{logical.replace('_', '-')}"


_Spec = TypeVar("_Spec", "TableSpec", "QueueSpec", "SecretSpec", "FunctionSpec")

TABLES: tuple[TableSpec, ...] = (
    TableSpec(
        "subscribers",
        "campaigns",
        Key("email_key"),
        purpose="one item per subscriber, keyed by the case-folded address",
    ),
    TableSpec(
        "list_members",
        "campaigns",
        Key("list"),
        Key("email_key"),
        purpose="list membership; a campaign pages its audience from here by cursor",
    ),
    TableSpec(
        "campaigns",
        "campaigns",
        Key("campaign_id"),
        indexes=(Index("by_status", Key("status"), Key("send_at")),),
        purpose="campaign definitions, lifecycle state, cursor and counters",
    ),
    TableSpec(
        "deliveries",
        "campaigns",
        Key("campaign_id"),
        Key("email_key"),
        # Sparse: open_status exists only while a delivery is pending or sending, so "what is
        # left" (resume, cancel, completion) reads only what is left (docs/decisions/0041).
        indexes=(Index("by_open", Key("campaign_id"), Key("open_status")),),
        purpose="the delivery ledger: one record per campaign recipient",
    ),
    TableSpec(
        "failed_messages",
        "campaigns",
        Key("failure_id"),
        indexes=(Index("by_campaign", Key("campaign_id"), Key("failed_at")),),
        purpose="messages the dead-letter queue received, kept until retried or resolved",
    ),
    TableSpec(
        "config",
        SHARED,
        Key("pk"),
        Key("sk"),
        purpose="runtime configuration of every service: provider settings, versioned templates",
    ),
    TableSpec(
        "breakers",
        SHARED,
        Key("name"),
        purpose="circuit breaker state shared by every sending Lambda instance of every service",
    ),
    TableSpec(
        "idempotency",
        SHARED,
        Key("id"),
        ttl_attribute="expiration",
        purpose="Powertools idempotency records of every service, keyed by function",
    ),
)

QUEUES: tuple[QueueSpec, ...] = (
    QueueSpec(
        "delivery_dlq",
        "campaigns",
        retention_s=14 * 24 * 3600,
        purpose="campaign messages that failed every retry",
    ),
    QueueSpec(
        "delivery",
        "campaigns",
        visibility_timeout_s=180,
        dead_letter="delivery_dlq",
        max_receives=5,
        purpose="one message per campaign recipient",
    ),
)

SECRETS: tuple[SecretSpec, ...] = (
    SecretSpec(
        "provider_keys",
        SHARED,
        purpose="API keys of the email providers",
        local_value={"resend": "re_local_key", "sendgrid": "SG.local_key"},
    ),
    SecretSpec(
        "signing_keys",
        SHARED,
        purpose="HMAC keys: 'unsubscribe' signs unsubscribe links",
        generated=("unsubscribe",),
    ),
)


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
SENDING = Uses(tables_read=("config",), tables_write=("breakers",), secrets=("provider_keys",))


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
    # What the function may touch, and so all its role is granted (docs/decisions/0031).
    tables_read: tuple[str, ...] = ()
    tables_write: tuple[str, ...] = ()  # read and write
    queues_send: tuple[str, ...] = ()
    secrets: tuple[str, ...] = ()
    invokes: tuple[str, ...] = ()  # functions it starts, by logical name
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

    def environment(self) -> dict[str, str]:
        """What the function's own settings need beyond the stage's: a sender's share of every
        provider's rate, per instance, since each instance paces itself (tctfmsg.email.pacer)."""
        if self.sends_email:
            return {"TCTFMSG_SEND_SHARE": repr(RATE_BUDGET.instance_share(self, FUNCTIONS))}
        return {}


def _merged(*groups: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(name for group in groups for name in group))


FUNCTIONS: tuple[FunctionSpec, ...] = (
    FunctionSpec(
        "campaign_scheduler",
        "campaigns",
        "lambdas.campaigns.scheduler:handler",
        timeout_s=900,
        schedule_minutes=1,
        purpose="starts due campaigns and fans their audience out to the delivery queue",
        tables_read=("subscribers", "list_members"),
        tables_write=("campaigns", "deliveries"),
        queues_send=("delivery",),
        invokes=("campaign_scheduler",),  # hands a long fan-out on to itself
    ),
    FunctionSpec(
        "campaign_consumer",
        "campaigns",
        "lambdas.campaigns.consumer:handler",
        timeout_s=120,  # below the delivery queue's visibility timeout
        queue_source=QueueSource("delivery", batch_size=10, max_concurrency=2),
        purpose="sends one campaign email per delivery message, at most once",
        tables_read=("subscribers", "config"),  # config: template versions (and SENDING's)
        tables_write=("campaigns", "deliveries", "failed_messages"),
        secrets=("signing_keys",),  # signs unsubscribe links
        send_class="campaign",
    ),
    FunctionSpec(
        "campaign_dlq_monitor",
        "campaigns",
        "lambdas.campaigns.dlq_monitor:handler",
        timeout_s=60,
        queue_source=QueueSource("delivery_dlq", batch_size=10, max_concurrency=1),
        purpose="records every dead delivery message as a failed-message item",
        tables_write=("campaigns", "deliveries", "failed_messages"),
    ),
    FunctionSpec(
        "campaign_api",
        "campaigns",
        "lambdas.campaigns.api:handler",
        timeout_s=29,  # API Gateway's integration timeout
        api=True,
        purpose="the campaign and dead-letter API for operators and services",
        # idempotency: POST /campaigns with an Idempotency-Key creates one campaign (0065)
        tables_write=("campaigns", "deliveries", "failed_messages", "idempotency"),
        queues_send=("delivery",),  # resume and retry queue deliveries again
        invokes=("campaign_scheduler",),  # send-now and resume start it at once
    ),
)


# Each provider's rate, split between the send classes (tctfmsg/core/rate_budget.py): the
# transactional part is small but never waits behind campaigns, which get the bulk.
RATE_BUDGET = RateBudget(transactional=0.25, campaign=0.70, operator=0.05)


def table(logical: str) -> TableSpec:
    return _find(TABLES, logical)


def queue(logical: str) -> QueueSpec:
    return _find(QUEUES, logical)


def secret(logical: str) -> SecretSpec:
    return _find(SECRETS, logical)


def function(logical: str) -> FunctionSpec:
    return _find(FUNCTIONS, logical)


def for_owner(owner: Owner) -> tuple[list[TableSpec], list[QueueSpec], list[SecretSpec]]:
    return (
        [t for t in TABLES if t.owner == owner],
        [q for q in QUEUES if q.owner == owner],
        [s for s in SECRETS if s.owner == owner],
    )


def _find(specs: tuple[_Spec, ...], logical: str) -> _Spec:
    for spec in specs:
        if spec.logical == logical:
            return spec
    raise KeyError(f"no resource named {logical!r} in the spec")


def output_key(logical: str) -> str:
    """The CloudFormation output that publishes a resource's physical name."""
    return "".join(part.capitalize() for part in logical.split("_")) + "Name"


def api_url_output_key(logical: str) -> str:
    """The CloudFormation output that publishes the URL of a function's API."""
    return "".join(part.capitalize() for part in logical.split("_")) + "Url"


def stack_name(stage: str, owner: Owner) -> str:
    return f"tctfmsg-{stage}-{owner.replace('_', '-')}"


@dataclass(frozen=True)
class ResourceNames:
    """Logical name → physical name for one stage."""

    stage: str
    overrides: dict[str, str] = field(default_factory=dict)

    def __getitem__(self, logical: str) -> str:
        if logical in self.overrides:
            return self.overrides[logical]
        for specs in (TABLES, QUEUES, SECRETS, FUNCTIONS):
            for spec in specs:
                if spec.logical == logical:
                    return spec.physical_name(self.stage)
        raise KeyError(f"no resource named {logical!r} in the spec")
