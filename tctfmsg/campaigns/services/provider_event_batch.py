"""A batch from the provider_events queue: each message an SES event as SNS delivers it, or
one event a verified webhook queued; each event applied (provider_events.apply)."""

from __future__ import annotations

from tctfmsg.campaigns.services import provider_events
from tctfmsg.core.queue_batch import BatchWork, QueueMessage
from tctfmsg.email.events import ses
from tctfmsg.email.events.model import ProviderEvent


class ProviderEventBatch(BatchWork[list[ProviderEvent]]):
    def __init__(self, deps: provider_events.EventDeps) -> None:
        self.deps = deps

    def parse(self, message: QueueMessage) -> list[ProviderEvent]:
        if ses.is_sns_envelope(message.body):
            return ses.events_from_sns(message.body)
        return [ProviderEvent.from_json(message.body)]

    def handle(self, request: list[ProviderEvent]) -> str:
        outcomes = {provider_events.apply(self.deps, event).value for event in request}
        return outcomes.pop() if len(outcomes) == 1 else ("mixed" if outcomes else "ignored")
