"""PauseAlarm as a Powertools metric: `CampaignAutoPaused`, one per automatic pause, published
with the handler's other metrics when its invocation ends (the alarm on it is issue 13's
follow-up)."""

from __future__ import annotations

import threading
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit

from tctfmsg.core.metric_names import CAMPAIGN_AUTO_PAUSED

METRIC = CAMPAIGN_AUTO_PAUSED


class MetricPauseAlarm:
    def __init__(self, metrics: Any) -> None:
        self.metrics = metrics
        # a consumer's records run on several threads; a Powertools metric set is not
        # meant to be added to from several at once
        self._lock = threading.Lock()

    def auto_paused(self, campaign_id: str, reason: str) -> None:
        with self._lock:
            self.metrics.add_metric(name=METRIC, unit=MetricUnit.Count, value=1)
