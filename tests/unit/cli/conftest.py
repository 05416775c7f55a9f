"""The CLI driven in-process with Typer's CliRunner, on composition roots the test hands in.

`cli.campaigns = CampaignsRoot-like fake`, then `cli("campaign", "list", "--json")`: the
command runs exactly as from a shell (global options, error presentation, exit codes), but
every root it asks for is the test's, so no socket is opened and nothing real is touched."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from typer.testing import CliRunner

from tctfmsg.cli.app import app
from tctfmsg.cli.context import CliState
from tctfmsg.core import settings as settings_module
from tctfmsg.core.settings import Settings
from tests.support.sockets import no_sockets  # noqa: F401  (a fixture, used below)

ROOTS = ("settings", "clients", "templates", "email", "campaigns", "communication", "user_messages")


@dataclass
class Cli:
    settings: Settings
    clients: Any = None
    templates: Any = None
    email: Any = None
    campaigns: Any = None
    communication: Any = None
    user_messages: Any = None
    env: dict[str, str] = field(default_factory=lambda: {"COLUMNS": "200", "NO_COLOR": "1"})

    def __call__(self, *args: str, input: str | None = None) -> Result:
        state = CliState()
        for name in ROOTS:  # cached_property values: preset, so nothing real is built
            value = getattr(self, name)
            if value is not None:
                state.__dict__[name] = value
        runner = CliRunner()
        return runner.invoke(app, list(args), obj=state, input=input, env=self.env)


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    return Cli(settings_module.load(target="local", home=tmp_path / "home"))


@pytest.fixture(autouse=True)
def _sockets_off(no_sockets: None) -> None:  # noqa: F811
    """Every CLI unit test fails if a command reaches past its fakes to the network."""
