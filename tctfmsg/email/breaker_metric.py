"""A provider's breaker opening, as a Powertools metric `BreakerOpened-<provider>`, published
with the sending handler's other metrics when its invocation ends; the stage's
`<provider>-breaker-open` alarm watches it (docs/decisions/0085)."""

from __future__ import annotations

import threading
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit

from tctfmsg.core.metric_names import breaker_opened_metric


class MetricBreakerAlarm:
    def __init__(self, metrics: Any) -> None:
        self.metrics = metrics
        # sends run on several threads; a Powertools metric set is not meant for that
        self._lock = threading.Lock()

    def opened(self, provider: str) -> None:
        with self._lock:
            self.metrics.add_metric(
                name=breaker_opened_metric(provider), unit=MetricUnit.Count, value=1
            )
