"""The resource spec: every table, index, TTL attribute, queue, secret and function, declared once.

The CDK stacks and the embedded stack both read this module; nothing else declares a resource.
The declarations live in tctfmsg.core.specs, one module per owner (a service, or SHARED for the
slice every service's senders use, deployed once per stage: docs/decisions/0063); their shapes
in tctfmsg.core.spec_types. Physical names are derived from the stage, so a name never has to be
typed twice. The RATE_BUDGET splits each provider's rate between the sending functions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TypeVar

from tctfmsg.core.rate_budget import RateBudget
from tctfmsg.core.spec_types import (
    OWNERS,
    SENDING,
    SERVICES,
    SHARED,
    AttributeType,
    FunctionSpec,
    Index,
    Key,
    Owner,
    QueueSource,
    QueueSpec,
    SecretSpec,
    SendClass,
    Service,
    TableSpec,
    Uses,
    physical_name,
)
from tctfmsg.core.specs import campaigns, communication, shared, user_messages

__all__ = [
    "OWNERS",
    "SENDING",
    "SERVICES",
    "SHARED",
    "AttributeType",
    "FunctionSpec",
    "Index",
    "Key",
    "Owner",
    "QueueSource",
    "QueueSpec",
    "SecretSpec",
    "SendClass",
    "Service",
    "TableSpec",
    "Uses",
    "physical_name",
]

_OWNED = (shared, campaigns, communication, user_messages)
TABLES: tuple[TableSpec, ...] = tuple(t for m in _OWNED for t in m.TABLES)
QUEUES: tuple[QueueSpec, ...] = tuple(q for m in _OWNED for q in m.QUEUES)
SECRETS: tuple[SecretSpec, ...] = tuple(s for m in _OWNED for s in m.SECRETS)
FUNCTIONS: tuple[FunctionSpec, ...] = tuple(f for m in _OWNED for f in m.FUNCTIONS)

_Spec = TypeVar("_Spec", TableSpec, QueueSpec, SecretSpec, FunctionSpec)

# Each provider's rate, split between the send classes (tctfmsg/core/rate_budget.py): the
# transactional part is small but never waits behind campaigns, which get the bulk.
RATE_BUDGET = RateBudget(transactional=0.25, campaign=0.70, operator=0.05)


def function_environment(spec: FunctionSpec, instances: int | None = None) -> dict[str, str]:
    """What a function's own settings need beyond the stage's: a sender's share of every
    provider's rate, per instance, since each instance paces itself (tctfmsg.email.pacer).
    `instances` is the stage's bound on them, when it is not the spec's."""
    if not spec.sends_email:
        return {}
    if instances is None:
        return {"TCTFMSG_SEND_SHARE": repr(RATE_BUDGET.instance_share(spec, FUNCTIONS))}
    return {"TCTFMSG_SEND_SHARE": repr(RATE_BUDGET.function_share(spec, FUNCTIONS) / instances)}


# AWS's advice for an SQS event source: a message stays hidden at least six times as long as
# the function may run (throttled and retried batches), plus the batching window.
VISIBILITY_PER_TIMEOUT = 6


def least_visibility_timeout_s(spec: FunctionSpec) -> int:
    """The shortest visibility timeout the queue feeding this function may have."""
    if spec.queue_source is None:
        raise ValueError(f"function {spec.logical} reads no queue")
    return VISIBILITY_PER_TIMEOUT * spec.timeout_s + spec.queue_source.max_batching_window_s


def invoked_async(spec: FunctionSpec) -> bool:
    """Whether Lambda invokes it asynchronously: on a schedule, or from another function (the
    invoker always uses InvocationType=Event). Such a function needs an on-failure queue."""
    return spec.schedule_minutes is not None or any(
        spec.logical in other.invokes for other in FUNCTIONS
    )


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


def public_url_output_key(service: Service) -> str:
    """The CloudFormation output that publishes the URL of a service's public HTTP API."""
    return "".join(part.capitalize() for part in service.split("_")) + "PublicUrl"


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
