"""Consumer on the delivery queue: each record one delivery, at most one email; a record that
must come back is reported in batchItemFailures, so SQS retries only that message. The batch's
records run side by side on `TCTFMSG_CONSUMER_THREADS` threads (tctfmsg/core/queue_batch.py)."""

from __future__ import annotations

import logging
from typing import Any

from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.typing import LambdaContext

from lambdas.campaigns._common import logger, metrics
from tctfmsg.campaigns import bootstrap
from tctfmsg.campaigns.services.consumer_batch import DeliveryBatch
from tctfmsg.core.lanes import lane_of
from tctfmsg.core.queue_batch import QueueBatch

# Every failed delivery, and every automatic pause, in this handler's structured log with its
# reason: the services log through the standard library, and Powertools' own
# copy_config_to_registered_loggers reaches only top-level loggers.
for _name in ("tctfmsg.campaigns.services.consumer", "tctfmsg.campaigns.services.campaign_guard"):
    _service_log = logging.getLogger(_name)
    if logger.registered_handler not in _service_log.handlers:
        _service_log.addHandler(logger.registered_handler)
    _service_log.setLevel(logger.log_level)
    _service_log.propagate = False  # once, as JSON, not again through the root logger

BATCHES = QueueBatch(
    log=logger,
    metrics=metrics,
    metric="Delivery-{outcome}",
    lane=lane_of("campaign_consumer"),
)


@logger.inject_lambda_context
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    root = bootstrap.default()
    return BATCHES.process(
        event, context, DeliveryBatch(root.consumer_deps), root.settings.consumer_threads
    )
