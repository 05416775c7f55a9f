"""What the global options decided, shared by every command of one invocation.

The CLI is a door, so it may know the embedded stack: for a local target it finds the running
stack and passes its endpoints down through settings; nothing below the CLI imports `local/`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import typer

from tctfmsg.campaigns.bootstrap import CampaignsRoot
from tctfmsg.communication.bootstrap import CommunicationRoot
from tctfmsg.core import settings as settings_module
from tctfmsg.core.clients import Clients
from tctfmsg.core.settings import Settings
from tctfmsg.email.bootstrap import EmailRoot
from tctfmsg.rendering.bootstrap import TemplateRoot
from tctfmsg.user_messages.bootstrap import UserMessagesRoot


@dataclass
class CliState:
    overrides: dict[str, object] = field(default_factory=dict)

    @cached_property
    def settings(self) -> Settings:
        settings = settings_module.load(**self.overrides)
        if settings.target == "local" and settings.endpoint_url is None:
            from tctfmsg.local import state
            from tctfmsg.local.components import pointed_at

            running = state.running(settings.local_dir)
            if running is not None:
                return pointed_at(settings, running.port)
        return settings

    @cached_property
    def clients(self) -> Clients:
        return Clients(self.settings)

    @cached_property
    def templates(self) -> TemplateRoot:
        return TemplateRoot(self.clients)

    @cached_property
    def email(self) -> EmailRoot:
        return EmailRoot(self.clients)

    @cached_property
    def campaigns(self) -> CampaignsRoot:
        return CampaignsRoot(self.clients, self.templates, self.email)

    @cached_property
    def communication(self) -> CommunicationRoot:
        return CommunicationRoot(self.clients, self.templates, self.email)

    @cached_property
    def user_messages(self) -> UserMessagesRoot:
        return UserMessagesRoot(self.clients)


def state(ctx: typer.Context) -> CliState:
    root = ctx.find_root()
    if not isinstance(root.obj, CliState):
        root.obj = CliState()
    return root.obj
