"""Provider events from the provider_events queue (SES through SNS, the webhooks' events):
each applied to subscribers, the suppression list, the ledger and the campaign's reputation;
a record that fails is reported in batchItemFailures and comes back."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.typing import LambdaContext

from lambdas.campaigns._common import logger, metrics
from tctfmsg.campaigns import bootstrap
from tctfmsg.campaigns.services.provider_event_batch import ProviderEventBatch
from tctfmsg.core.metric_names import PROVIDER_EVENTS_SERVICE
from tctfmsg.core.provider_metrics import ProviderCounts
from tctfmsg.core.queue_batch import QueueBatch

BATCHES = QueueBatch(log=logger, metrics=metrics, metric="ProviderEvent-{outcome}")


@logger.inject_lambda_context
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    tally = ProviderCounts(PROVIDER_EVENTS_SERVICE)  # by kind and provider (decision 0092)
    batch = ProviderEventBatch(bootstrap.default().event_deps, tally)
    return BATCHES.process(event, context, batch)
