"""The backbone's composition root: one FailoverSender per process, pacing to the share of
each provider's rate that the rate budget gives the sending function it runs in."""

from __future__ import annotations

from functools import cached_property

from tctfmsg.core.clients import Clients
from tctfmsg.email.assembly import EmailBackbone, assemble
from tctfmsg.email.failover import FailoverSender
from tctfmsg.email.pacer import Pacer


class EmailRoot:
    def __init__(self, clients: Clients) -> None:
        self.clients = clients

    @cached_property
    def pacer(self) -> Pacer:
        return Pacer(self.clients.settings.send_concurrency)

    @cached_property
    def backbone(self) -> EmailBackbone:
        """The sender plus what operators inspect: provider config and shared breakers."""
        return assemble(self.clients, self.pacer)

    @property
    def sender(self) -> FailoverSender:
        return self.backbone.sender
