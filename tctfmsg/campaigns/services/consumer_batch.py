"""A batch of delivery messages: each record one `consumer.deliver`, the campaigns and
recipients read once for the whole batch, the counter updates written once at its end."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from tctfmsg.campaigns.domain.delivery import DeliveryRequest
from tctfmsg.campaigns.services import consumer
from tctfmsg.campaigns.services.batch_view import BatchView, read_batch
from tctfmsg.campaigns.services.campaign_guard import Tally
from tctfmsg.core.queue_batch import BatchWork, QueueMessage


class DeliveryBatch(BatchWork[DeliveryRequest]):
    # A claim cut off by the invocation's timeout would become an `interrupted` delivery, so
    # a record is left unclaimed (and comes back) when less than this is left.
    reserve_ms = 15_000

    def __init__(self, deps: consumer.ConsumerDeps) -> None:
        self.deps = deps
        self.tally = Tally()  # the batch's counter updates, one write per campaign at the end
        self.view: BatchView | None = None  # without it, each record reads for itself

    def parse(self, message: QueueMessage) -> DeliveryRequest:
        return DeliveryRequest.from_body(message.body)

    def read_ahead(self, requests: Sequence[DeliveryRequest]) -> None:
        self.view = read_batch(self.deps.campaigns, self.deps.subscribers, requests)

    def handle(self, request: DeliveryRequest) -> str:
        token = uuid.uuid4().hex  # this attempt's claim
        return consumer.deliver(self.deps, request, token, self.tally, self.view).value

    def finish(self) -> None:
        # If this write is lost, the counts are still right: a campaign's counters are
        # recounted from the ledger when it completes.
        self.tally.flush(self.deps.books)
