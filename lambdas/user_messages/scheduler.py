"""chat_scheduler, every minute: due scheduled messages are sent, offline members are told of
what they have not read."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from lambdas.user_messages._common import logger, metrics
from tctfmsg.user_messages import bootstrap
from tctfmsg.user_messages.services import scheduling


@logger.inject_lambda_context
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, int]:
    counts = scheduling.run_due(bootstrap.default().chat_deps)
    metrics.add_metric(name="ScheduledSent", unit=MetricUnit.Count, value=counts["sent"])
    metrics.add_metric(name="UnreadNotices", unit=MetricUnit.Count, value=counts["notified"])
    return counts
