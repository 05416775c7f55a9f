"""LatencySink as a Powertools metric: `NotificationLatency`, milliseconds from a notification's
acceptance to its send, published with the worker's other metrics; the stage's
`notification-latency-p99` alarm holds its p99 to the objective (docs/decisions/0085)."""

from __future__ import annotations

import threading
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit

from tctfmsg.core.metric_names import NOTIFICATION_LATENCY

METRIC = NOTIFICATION_LATENCY


class MetricLatency:
    def __init__(self, metrics: Any) -> None:
        self.metrics = metrics
        self._lock = threading.Lock()  # the worker's records run on several threads

    def sent(self, latency_ms: float) -> None:
        with self._lock:
            self.metrics.add_metric(
                name=METRIC, unit=MetricUnit.Milliseconds, value=max(0.0, latency_ms)
            )
