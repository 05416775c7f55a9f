"""Scheduler: the every-minute rule, `send-now` and resume, and its own hand-on before its
time runs out; `scheduler.run` reads which of them an event is."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from lambdas.campaigns._common import logger, metrics
from tctfmsg.campaigns import bootstrap
from tctfmsg.campaigns.services import scheduler
from tctfmsg.core.metric_names import CAMPAIGNS_STALLED


@logger.inject_lambda_context
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    root = bootstrap.default()
    result = scheduler.run(
        root.campaign_deps,
        root.subscribers,
        root.audience,
        event,
        remaining_s=lambda: context.get_remaining_time_in_millis() / 1000,
        config=root.fanout_config,
        stalled_after=root.stalled_after,
    )
    metrics.add_metric(
        name="DeliveriesQueued", unit=MetricUnit.Count, value=result.get("queued", 0)
    )
    if "stalled" in result:  # a tick: the campaign-stalled alarm reads every minute's count
        metrics.add_metric(
            name=CAMPAIGNS_STALLED, unit=MetricUnit.Count, value=len(result["stalled"])
        )
    return result
