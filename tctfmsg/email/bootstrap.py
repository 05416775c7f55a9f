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
from tctfmsg.email.assembly import EmailBackbone, assemble
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
        return assemble(self.clients, self.pacer, self.suppressions)

    @cached_property
    def suppressions(self) -> DynamoSuppressionList:
        """The suppression list every send consults (docs/decisions/0077)."""
        names, dynamodb = self.clients.names, self.clients.client("dynamodb")
        return DynamoSuppressionList(names["suppressions"], dynamodb)

    @property
    def sender(self) -> FailoverSender:
        return self.backbone.sender
