"""The backbone's composition root: one FailoverSender per root, pacing to the share of each
provider's rate that the rate budget gives the function it sends for.

A service's root builds its own EmailRoot naming its sending function, so on the embedded stack,
where every handler shares one process, each sending function has its own pacer: a campaign
saturating its share never delays a transactional send. The CLI's root names none and sends in
the operator's share."""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import cached_property

from tctfmsg.core.clients import Clients
from tctfmsg.core.metric_names import EMAIL_SENT
from tctfmsg.core.provider_metrics import ProviderCounts
from tctfmsg.core.resources import function
from tctfmsg.email.assembly import EmailBackbone, assemble
from tctfmsg.email.breaker_metric import MetricBreakerAlarm
from tctfmsg.email.failover import FailoverSender
from tctfmsg.email.pacer import Pacer, share_for
from tctfmsg.email.suppression import DynamoSuppressionList


class EmailRoot:
    def __init__(
        self,
        clients: Clients,
        sends_as: str | None = None,
        *,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.clients = clients
        self.sends_as = sends_as  # the sending function's logical name; None: an operator
        self._monotonic, self._sleep = monotonic, sleep

    @cached_property
    def pacer(self) -> Pacer:
        share = share_for(self.clients.settings, self.sends_as)
        return Pacer(share, self._monotonic, self._sleep)

    @cached_property
    def backbone(self) -> EmailBackbone:
        """The sender plus what operators inspect: provider config and shared breakers."""
        return assemble(
            self.clients,
            self.pacer,
            self.suppressions,
            self._breaker_opened(),
            self._accepted(),
        )

    def _breaker_opened(self) -> Callable[[str], None] | None:
        """A sending function counts the breakers it opens (the stage's breaker alarms watch
        the count, docs/decisions/0085); an operator's CLI sends count nothing."""
        if self.sends_as is None:
            return None
        from aws_lambda_powertools import Metrics

        service = function(self.sends_as).service
        # the namespace and service of the handlers' Metrics: it shares their metric set
        return MetricBreakerAlarm(Metrics(namespace="tctfmsg", service=service)).opened

    def _accepted(self) -> Callable[[str], None] | None:
        """A sending function counts what each provider accepted: the per-provider bounce and
        complaint rate alarms divide by it (docs/decisions/0092). Published with each send, as
        nothing tells the backbone where a batch ends; an operator's sends count nothing."""
        if self.sends_as is None:
            return None
        counts = ProviderCounts(function(self.sends_as).service)

        def accepted(provider: str) -> None:
            counts.add(EMAIL_SENT, provider)
            counts.flush()

        return accepted

    @cached_property
    def suppressions(self) -> DynamoSuppressionList:
        """The suppression list every send consults (docs/decisions/0077)."""
        names, dynamodb = self.clients.names, self.clients.client("dynamodb")
        return DynamoSuppressionList(names["suppressions"], dynamodb)

    @property
    def sender(self) -> FailoverSender:
        return self.backbone.sender
