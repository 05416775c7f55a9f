"""The root `tctfmsg` command: its nouns, the global target options, and how every expected
failure becomes one line on stderr instead of a traceback."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError, NoCredentialsError
from click.testing import Result
from typer.testing import CliRunner

from tctfmsg.cli.app import app
from tctfmsg.cli.context import CliState
from tctfmsg.core import settings as settings_module
from tctfmsg.core.errors import NotFound
from tctfmsg.local import state as stack_state
from tctfmsg.local.components import pointed_at
from tests.support.cli_roots import CampaignWorld, error_line
from tests.support.local_fakes import stack_running_in
from tests.unit.cli.conftest import Cli

NOUNS = ("local", "subscriber", "providers", "template", "campaign", "dlq", "demo")


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A clean environment: only the settings each test sets, and a private home."""
    for name in [n for n in os.environ if n.startswith("TCTFMSG_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("TCTFMSG_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


def _run(state: CliState, *args: str) -> Result:
    """The app on a CliState the test keeps, to look at what the global options decided."""
    return CliRunner().invoke(app, list(args), obj=state, env={"COLUMNS": "200", "NO_COLOR": "1"})


class FailingCampaigns:
    """A campaign store that fails the way a vendor SDK or the operator would."""

    def __init__(self, error: BaseException) -> None:
        self.error = error

    def list(self, status: Any = None) -> list[Any]:
        raise self.error

    def get(self, campaign_id: str) -> None:
        raise AssertionError("not expected")


def _failing(error: BaseException) -> CampaignWorld:
    world = CampaignWorld()
    world.store = FailingCampaigns(error)  # type: ignore[assignment]
    return world


# the nouns


def test_the_root_offers_every_command_group(cli: Cli) -> None:
    result = cli("--help")

    assert result.exit_code == 0, result.output
    for noun in NOUNS:
        assert noun in result.stdout, noun


def test_an_unknown_command_is_a_usage_error_naming_it(cli: Cli) -> None:
    result = cli("campain", "list")

    assert result.exit_code == 2
    assert "campain" in result.output and "Traceback" not in result.output


# --local and --stage


def test_stage_targets_that_deployed_stage(home: Path) -> None:
    state = CliState()
    state.__dict__["campaigns"] = CampaignWorld()

    result = _run(state, "--stage", "prod", "campaign", "list", "--json")

    assert result.exit_code == 0, result.output
    assert state.overrides == {"target": "aws", "stage": "prod"}
    assert (state.settings.target, state.settings.stage) == ("aws", "prod")
    assert state.settings.endpoint_url is None  # the real AWS endpoints


def test_local_points_every_endpoint_at_the_running_stack(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TCTFMSG_TARGET", "aws")  # --local wins over the environment
    running = stack_running_in(monkeypatch, home / "local")
    state = CliState()
    state.__dict__["campaigns"] = CampaignWorld()

    result = _run(state, "--local", "campaign", "list")

    assert result.exit_code == 0, result.output
    assert state.overrides == {"target": "local"}
    expected = pointed_at(settings_module.load(target="local"), running.port)
    assert state.settings.target == "local"
    assert expected.endpoint_url is not None
    assert state.settings.endpoint_url == expected.endpoint_url


def test_without_a_running_stack_a_command_says_to_start_it(home: Path) -> None:
    assert stack_state.running(home / "local") is None

    result = _run(CliState(), "--local", "campaign", "list")  # the real roots, never reached

    line = error_line(result)
    assert "the embedded stack is not running" in line and "tctfmsg local up" in line


def test_local_and_stage_together_are_refused_before_anything_runs(cli: Cli) -> None:
    world = _failing(AssertionError("a command ran although the options were refused"))
    cli.campaigns = world

    result = cli("--local", "--stage", "prod", "campaign", "list")

    assert "use either --local or --stage, not both" in error_line(result)


@pytest.mark.parametrize("stage", ["NoSuch", "9lives", "a" * 21, "with space"])
def test_an_invalid_stage_name_is_one_line(home: Path, stage: str) -> None:
    result = _run(CliState(), "--stage", stage, "campaign", "list")

    line = error_line(result)
    assert "invalid setting stage" in line and "TCTFMSG_STAGE" in line


# failures, translated once for every command


@pytest.mark.parametrize(
    ("error", "says"),
    [
        (
            EndpointConnectionError(endpoint_url="http://127.0.0.1:1"),
            ["cannot reach http://127.0.0.1:1", "is the target up?"],
        ),
        (
            ClientError(
                {"Error": {"Code": "AccessDeniedException", "Message": "not allowed"}}, "Query"
            ),
            ["AWS refused Query: AccessDeniedException: not allowed"],
        ),
        (NoCredentialsError(), ["AWS SDK error: Unable to locate credentials", "credentials"]),
        (NotFound("no such thing", "look elsewhere"), ["no such thing — look elsewhere"]),
    ],
    ids=["unreachable", "refused", "sdk", "ours"],
)
def test_an_expected_failure_is_one_line_and_exit_1(
    cli: Cli, error: Exception, says: list[str]
) -> None:
    cli.campaigns = _failing(error)

    result = cli("campaign", "list")

    line = error_line(result)
    for text in says:
        assert text in line


def test_an_interrupt_is_one_line_and_exit_130(cli: Cli) -> None:
    cli.campaigns = _failing(KeyboardInterrupt())

    result = cli("campaign", "list")

    assert error_line(result, code=130).endswith("interrupted")


def test_debug_lets_the_original_error_through(cli: Cli) -> None:
    cli.campaigns = _failing(NotFound("no such thing"))
    cli.env["TCTFMSG_DEBUG"] = "1"

    result = cli("campaign", "list")

    assert isinstance(result.exception, NotFound)  # with its traceback, for whoever debugs
