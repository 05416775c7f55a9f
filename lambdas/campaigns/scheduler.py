"""Scheduler: the every-minute rule (`tick`), `send-now` and resume (`start`, `fanout`), and its
own hand-on before its time runs out (`fanout` with the lease)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from lambdas.campaigns._common import SETTINGS, logger, metrics
from tctfmsg import bootstrap
from tctfmsg.services import scheduler


def _config() -> scheduler.FanoutConfig:
    depth = SETTINGS.local_fanout_max_depth if SETTINGS.target == "local" else 0
    if not depth:
        return scheduler.FanoutConfig()
    # The embedded stack's queue is kept shallow (moto's receive still slows with depth), so
    # no page is larger than the depth it may reach.
    page_size = min(scheduler.FanoutConfig.page_size, depth)
    return scheduler.FanoutConfig(page_size=page_size, max_queue_depth=depth)


CONFIG = _config()


@logger.inject_lambda_context
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    runtime = bootstrap.default()
    deps = runtime.campaign_deps
    action = event.get("action", "tick")
    if action == "tick":  # EventBridge's scheduled event carries no action
        return asdict(scheduler.tick(deps))
    campaign_id = str(event["campaign_id"])
    if action == "start" and not scheduler.start(deps, campaign_id):
        return {"campaign_id": campaign_id, "outcome": "not-due"}
    report = scheduler.fan_out(
        deps,
        runtime.subscribers,
        runtime.audience,
        campaign_id,
        remaining_s=lambda: context.get_remaining_time_in_millis() / 1000,
        config=CONFIG,
        lease=event.get("lease"),
    )
    metrics.add_metric(name="DeliveriesQueued", unit=MetricUnit.Count, value=report.queued)
    return asdict(report)
