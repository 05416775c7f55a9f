"""What the global options decided, shared by every command of one invocation."""

from __future__ import annotations

from dataclasses import dataclass, field

import typer

from tctfmsg import settings as settings_module
from tctfmsg.bootstrap import Runtime
from tctfmsg.settings import Settings


@dataclass
class CliState:
    overrides: dict[str, object] = field(default_factory=dict)
    _runtime: Runtime | None = None

    @property
    def settings(self) -> Settings:
        return self.runtime.settings

    @property
    def runtime(self) -> Runtime:
        if self._runtime is None:
            self._runtime = Runtime(settings_module.load(**self.overrides))
        return self._runtime


def state(ctx: typer.Context) -> CliState:
    root = ctx.find_root()
    if not isinstance(root.obj, CliState):
        root.obj = CliState()
    return root.obj
