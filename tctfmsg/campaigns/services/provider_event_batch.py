"""A batch from the provider_events queue: each message an SES event as SNS delivers it, or
one event a verified webhook queued; each event applied (provider_events.apply), and counted
by kind and provider once applied (the per-provider bounce and complaint rate alarms read the
counts, docs/decisions/0092)."""

from __future__ import annotations

import logging
from typing import Protocol

from tctfmsg.campaigns.services import provider_events
from tctfmsg.core.metric_names import email_event_metric
from tctfmsg.core.queue_batch import BatchWork, QueueMessage
from tctfmsg.email.events import ses
from tctfmsg.email.events.model import ProviderEvent

log = logging.getLogger(__name__)


class EventTally(Protocol):
    def add(self, metric: str, provider: str, count: int = 1) -> None: ...

    def flush(self) -> None: ...


class ProviderEventBatch(BatchWork[list[ProviderEvent]]):
    def __init__(self, deps: provider_events.EventDeps, tally: EventTally | None = None) -> None:
        self.deps = deps
        self.tally = tally

    def parse(self, message: QueueMessage) -> list[ProviderEvent]:
        return parse_events(message.body)

    def handle(self, request: list[ProviderEvent]) -> str:
        outcomes = set()
        for event in request:
            try:
                outcomes.add(provider_events.apply(self.deps, event).value)
            except Exception:
                # what `dlq events list` sends an operator to, should it dead-letter
                log.warning(
                    "could not apply %s event %s from %s; it comes back",
                    event.kind.value, event.event_id, event.provider, exc_info=True,
                )  # fmt: skip
                raise
            if self.tally is not None:  # once applied: a retried event is counted when it is
                self.tally.add(email_event_metric(event.kind.value), event.provider)
        return outcomes.pop() if len(outcomes) == 1 else ("mixed" if outcomes else "ignored")

    def finish(self) -> None:
        if self.tally is not None:
            self.tally.flush()


def parse_events(body: str) -> list[ProviderEvent]:
    """The events one message of the provider_events queue carries; raises InvalidInput (or
    what SES's parser raises) for a message that is none."""
    if ses.is_sns_envelope(body):
        return ses.events_from_sns(body)
    return [ProviderEvent.from_json(body)]
