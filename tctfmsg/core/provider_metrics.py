"""Counts per provider, published as CloudWatch metrics with a `Provider` dimension.

A handler's Powertools Metrics share one dimension set per invocation, so a per-provider
dimension cannot ride on them; each (metric, provider) count here is its own EMF record
(Powertools' `single_metric`), with the service dimension the handler's metrics carry. Counts
gather until `flush`: a batch flushes once at its end (docs/decisions/0092)."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable

from aws_lambda_powertools.metrics import MetricUnit, single_metric

from tctfmsg.core.metric_names import PROVIDER_DIMENSION

NAMESPACE = "tctfmsg"  # the handlers' Powertools namespace (lambdas/*/_common.py)

Emit = Callable[[str, str, int], None]  # metric name, provider, count


class ProviderCounts:
    """Thread-safe: sends and events are counted from several threads of one batch."""

    def __init__(self, service: str, emit: Emit | None = None) -> None:
        self.service = service
        self._emit = emit or self._emf
        self._counts: Counter[tuple[str, str]] = Counter()
        self._lock = threading.Lock()

    def add(self, metric: str, provider: str, count: int = 1) -> None:
        with self._lock:
            self._counts[(metric, provider)] += count

    def flush(self) -> None:
        with self._lock:
            counts, self._counts = self._counts, Counter()
            # under the lock: records printed from two threads at once would interleave
            for (metric, provider), count in sorted(counts.items()):
                self._emit(metric, provider, count)

    def _emf(self, metric: str, provider: str, count: int) -> None:
        dimensions = {"service": self.service, PROVIDER_DIMENSION: provider}
        with single_metric(
            name=metric,
            unit=MetricUnit.Count,
            value=count,
            namespace=NAMESPACE,
            default_dimensions=dimensions,
        ):
            pass
