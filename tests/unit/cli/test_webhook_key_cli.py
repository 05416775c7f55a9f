"""`tctfmsg providers webhook-key`: a checked key is stored, read from a file or a hidden
prompt, never from an argument; a bad key is one line and stores nothing."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

from tctfmsg.email.events import resend, sendgrid
from tests.support.cli_roots import error_line
from tests.unit.cli.conftest import Cli


class MemoryKeys:
    secret_name = "tctfmsg-test-webhook-keys"

    def __init__(self) -> None:
        self.stored: dict[str, str] = {}

    def put(self, provider: str, key: str) -> None:
        self.stored[provider] = key


def test_a_key_from_a_file_is_checked_and_stored(cli: Cli, tmp_path: Path) -> None:
    keys = MemoryKeys()
    cli.campaigns = SimpleNamespace(webhook_keys=keys)
    _, public = sendgrid.new_key_pair()
    source = tmp_path / "sendgrid.key"
    source.write_text(public + "\n")

    result = cli("providers", "webhook-key", "sendgrid", "--from-file", str(source))

    assert result.exit_code == 0, result.output
    assert keys.stored == {"sendgrid": public}
    assert public not in result.output  # a key is never echoed


def test_a_key_typed_at_the_hidden_prompt_is_stored(cli: Cli) -> None:
    keys = MemoryKeys()
    cli.campaigns = SimpleNamespace(webhook_keys=keys)
    secret = resend.new_secret()

    result = cli("providers", "webhook-key", "resend", input=secret + "\n")

    assert result.exit_code == 0, result.output
    assert keys.stored == {"resend": secret}
    assert secret not in result.stdout


def test_a_bad_key_is_one_line_and_stores_nothing(cli: Cli, tmp_path: Path) -> None:
    keys = MemoryKeys()
    cli.campaigns = SimpleNamespace(webhook_keys=keys)
    source = tmp_path / "wrong.key"
    source.write_text("sk_live_this_is_an_api_key")

    line = error_line(cli("providers", "webhook-key", "resend", "--from-file", str(source)))

    assert "whsec_" in line and keys.stored == {}
    missing = error_line(
        cli("providers", "webhook-key", "resend", "--from-file", str(tmp_path / "none"))
    )
    assert "cannot read" in missing and keys.stored == {}
