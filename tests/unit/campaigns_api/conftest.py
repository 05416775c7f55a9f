"""The campaign API handler over the campaign services and in-memory ports: no sockets.

Events are API Gateway REST proxy events from tests/events/api_*.json; a test changes only
what its case is about (body, path, query)."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, replace
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyItemAlreadyExistsError,
    IdempotencyItemNotFoundError,
)
from aws_lambda_powertools.utilities.idempotency.persistence.base import (
    BasePersistenceLayer,
    DataRecord,
)

from lambdas.campaigns import api
from tctfmsg.campaigns import bootstrap
from tctfmsg.campaigns.domain.campaign import Audience, Campaign, CampaignStatus, new_campaign
from tctfmsg.campaigns.services.campaigns import CampaignDeps
from tctfmsg.campaigns.services.dlq import DlqDeps
from tctfmsg.core import settings
from tests.support.campaign_fakes import RecordingInvoker
from tests.support.campaign_memory import (
    FixedClock,
    MemoryCampaigns,
    MemoryFailures,
    MemoryLedger,
    MemoryQueue,
)

EVENTS = Path(__file__).resolve().parents[2] / "events"
CAMPAIGN_ID = "c-0123456789ab"  # the campaign the stored events name
DEFAULT_SENDER = "ops@example.com"
_UNSET: Any = object()


@dataclass(frozen=True)
class Answer:
    status: int
    body: Any
    headers: dict[str, str]


@dataclass(frozen=True)
class LambdaContext:
    function_name: str = "tctfmsg-test-campaign-api"
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = (
        "arn:aws:lambda:eu-west-1:123456789012:function:tctfmsg-test-campaign-api"
    )
    aws_request_id: str = "52fdfc07-2182-454f-963f-5f0f9a621d72"

    def get_remaining_time_in_millis(self) -> int:
        return 29_000


class MemoryIdempotencyStore(BasePersistenceLayer):
    """Powertools' persistence layer over a dict, with DynamoDB's put condition: a record is
    taken unless one is there that has neither expired nor been left in progress too long."""

    def __init__(self) -> None:
        super().__init__()
        self.records: dict[str, DataRecord] = {}

    def _get_record(self, idempotency_key: str) -> DataRecord:
        try:
            return self.records[idempotency_key]
        except KeyError:
            raise IdempotencyItemNotFoundError(idempotency_key) from None

    def _put_record(self, data_record: DataRecord) -> None:
        held = self.records.get(data_record.idempotency_key)
        live = held is not None and not held.is_expired
        if live and held is not None and (held.status != "INPROGRESS" or not _timed_out(held)):
            raise IdempotencyItemAlreadyExistsError()
        self.records[data_record.idempotency_key] = data_record

    def _update_record(self, data_record: DataRecord) -> None:
        self.records[data_record.idempotency_key] = data_record

    def _delete_record(self, data_record: DataRecord) -> None:
        self.records.pop(data_record.idempotency_key, None)


def _timed_out(record: DataRecord) -> bool:
    expiry = record.in_progress_expiry_timestamp
    return expiry is not None and expiry < time.time() * 1000


@dataclass
class World:
    clock: FixedClock
    store: MemoryCampaigns
    ledger: MemoryLedger
    queue: MemoryQueue
    failures: MemoryFailures
    invoker: RecordingInvoker
    deps: CampaignDeps
    dlq_deps: DlqDeps
    root: SimpleNamespace
    idempotency: MemoryIdempotencyStore

    def use_campaign_store(self, store: Any) -> None:
        """Hands the routes a campaign store that misbehaves as a test needs."""
        self.root.campaign_deps = replace(self.deps, campaigns=store)

    def call(
        self,
        event_name: str,
        *,
        body: Any = _UNSET,
        raw_body: str | None = None,
        path: str | None = None,
        method: str | None = None,
        query: Any = _UNSET,
        headers: dict[str, str] | None = None,
    ) -> Answer:
        event = load_event(event_name)
        if headers:
            event["headers"] = {**(event.get("headers") or {}), **headers}
            event["multiValueHeaders"] = {
                **(event.get("multiValueHeaders") or {}),
                **{k: [v] for k, v in headers.items()},
            }
        if body is not _UNSET:
            event["body"] = json.dumps(body)
        if raw_body is not None:
            event["body"] = raw_body
        if path is not None:
            event["path"] = path
            event["pathParameters"] = {"proxy": path.lstrip("/")}
        if method is not None:
            event["httpMethod"] = method
        if query is not _UNSET:
            event["queryStringParameters"] = query
            event["multiValueQueryStringParameters"] = (
                {k: [v] for k, v in query.items()} if query else None
            )
        response = api.handler(event, LambdaContext())  # type: ignore[arg-type]
        return Answer(
            response["statusCode"],
            json.loads(response["body"]) if response.get("body") else None,
            {k: ", ".join(v) for k, v in (response.get("multiValueHeaders") or {}).items()},
        )

    def campaign(
        self,
        status: CampaignStatus = CampaignStatus.DRAFT,
        campaign_id: str = CAMPAIGN_ID,
        **changes: Any,
    ) -> Campaign:
        draft = new_campaign(
            name="Spring sale",
            subject="Spring is here",
            template="newsletter",
            audience=Audience("news"),
            sender="news@example.com",
            now=self.clock.now(),
            campaign_id=campaign_id,
        )
        campaign = replace(draft, status=status, **changes)
        self.store.items[campaign_id] = campaign
        return campaign


def load_event(name: str) -> dict[str, Any]:
    event: dict[str, Any] = json.loads((EVENTS / f"{name}.json").read_text())
    return event


@pytest.fixture
def world(monkeypatch: pytest.MonkeyPatch) -> World:
    clock = FixedClock()
    store, ledger, queue, failures = (
        MemoryCampaigns(),
        MemoryLedger(),
        MemoryQueue(),
        MemoryFailures(),
    )
    invoker = RecordingInvoker()
    deps = CampaignDeps(store, ledger, queue, invoker, clock)
    dlq_deps = DlqDeps(store, ledger, failures, queue, clock)
    idempotency = MemoryIdempotencyStore()
    root = SimpleNamespace(
        campaign_deps=deps,
        dlq_deps=dlq_deps,
        settings=settings.load(sender=DEFAULT_SENDER),
        idempotency_store=idempotency,
    )
    monkeypatch.setattr(bootstrap, "default", lambda: root)
    return World(clock, store, ledger, queue, failures, invoker, deps, dlq_deps, root, idempotency)
