"""`tctfmsg user …` driven in-process on an in-memory user store and the shipped registry: what
each command prints, its exit code, and what it did to the store."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest

from tctfmsg.communication.domain.user import User
from tctfmsg.rendering import load_registry
from tests.support.cli_roots import error_line
from tests.support.user_memory import MemoryUserStore
from tests.unit.cli.conftest import Cli

TOKEN_A = "device-token-aaaaaaaa"
TOKEN_B = "device-token-bbbbbbbb"
USER_KEYS = {
    "user_id",
    "email",
    "phone",
    "whatsapp",
    "push_tokens",
    "locale",
    "timezone",
    "quiet_hours",
    "preferences",
}


@pytest.fixture
def store(cli: Cli) -> MemoryUserStore:
    store = MemoryUserStore()
    cli.communication = SimpleNamespace(
        users=store, templates=SimpleNamespace(registry=load_registry())
    )
    return store


@pytest.fixture
def ada(cli, store) -> User:
    result = cli("user", "set", "ada", "--email", "ada@example.com", "--phone", "+447700900123")
    assert result.exit_code == 0, result.output
    return store.items["ada"]


# ---- set, show, delete --------------------------------------------------------------------


def test_set_creates_a_user_and_prints_it_as_json_with_exactly_the_documented_keys(cli, store):
    result = cli(
        "user", "set", "ada",
        "--email", "ada@example.com",
        "--phone", "+447700900123",
        "--whatsapp", "+447700900124",
        "--push-token", TOKEN_A,
        "--push-token", TOKEN_B,
        "--timezone", "Europe/Madrid",
        "--locale", "pt-BR",
        "--json",
    )  # fmt: skip

    assert result.exit_code == 0, result.output
    shown = json.loads(result.stdout)
    assert set(shown) == USER_KEYS
    assert shown == {
        "user_id": "ada",
        "email": "ada@example.com",
        "phone": "+447700900123",
        "whatsapp": "+447700900124",
        "push_tokens": [TOKEN_A, TOKEN_B],
        "locale": "pt-BR",
        "timezone": "Europe/Madrid",
        "quiet_hours": None,
        "preferences": {},
    }
    assert store.items["ada"].push_tokens == (TOKEN_A, TOKEN_B)


def test_set_on_an_existing_user_changes_only_what_was_given(cli, store, ada):
    result = cli("user", "set", "ada", "--locale", "es", "--json")

    assert result.exit_code == 0, result.output
    shown = json.loads(result.stdout)
    assert (shown["locale"], shown["email"], shown["phone"]) == ("es", ada.email, ada.phone)


def test_no_push_tokens_removes_every_device(cli, store):
    cli("user", "set", "bo", "--push-token", TOKEN_A)

    result = cli("user", "set", "bo", "--no-push-tokens", "--json")

    assert json.loads(result.stdout)["push_tokens"] == []
    assert store.items["bo"].push_tokens == ()


def test_a_bad_phone_number_is_one_line_and_nothing_is_stored(cli, store):
    result = cli("user", "set", "ada", "--phone", "07700 900123")

    assert error_line(result).startswith("error: invalid phone number '07700 900123' — give it in")
    assert store.items == {}


def test_a_bad_email_is_one_line_that_prints_the_value_literally(cli, store):
    result = cli("user", "set", "ada", "--email", "[bold]Ada[/] <ada@example.com>")

    line = error_line(result)
    assert line.startswith("error: invalid email address '[bold]Ada[/] <ada@example.com>'")
    assert store.items == {}


def test_show_prints_the_user_as_label_and_value_rows(cli, store, ada):
    result = cli("user", "show", "ada")

    assert result.exit_code == 0, result.output
    rows = {line.split()[0]: line.split()[1:] for line in result.stdout.splitlines() if line}
    assert rows["email"] == ["ada@example.com"] and rows["phone"] == ["+447700900123"]
    assert rows["timezone"] == ["UTC"]


def test_show_json_has_exactly_the_documented_keys(cli, store, ada):
    result = cli("user", "show", "ada", "--json")

    assert set(json.loads(result.stdout)) == USER_KEYS


def test_show_of_an_unknown_user_is_one_line_saying_how_to_create_it(cli, store):
    result = cli("user", "show", "nobody")

    assert error_line(result) == (
        "error: no user nobody — create it with `tctfmsg user set nobody --email ADDRESS`"
    )


def test_delete_removes_the_user_and_a_second_delete_fails_in_one_line(cli, store, ada):
    result = cli("user", "delete", "ada")

    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "deleted user ada"
    assert store.items == {}
    assert error_line(cli("user", "delete", "ada")).startswith("error: no user ada")


# ---- prefs --------------------------------------------------------------------------------


def test_prefs_turns_a_non_critical_type_off_on_one_channel(cli, store, ada):
    result = cli(
        "user", "prefs", "ada", "--type", "unread_messages", "--channel", "email", "--off", "--json"
    )

    assert result.exit_code == 0, result.output
    shown = json.loads(result.stdout)
    assert shown["preferences"]["unread_messages"] == {"email": False, "push": True}
    assert not store.items["ada"].allows("unread_messages", "email")


def test_prefs_refuses_to_turn_a_security_critical_type_off_in_one_line(cli, store, ada):
    result = cli("user", "prefs", "ada", "--type", "mfa_code", "--channel", "sms", "--off")

    assert error_line(result).startswith(
        "error: mfa_code is security-critical and cannot be opted out of — "
    )
    assert store.items["ada"] == ada


def test_prefs_sets_and_removes_quiet_hours(cli, store, ada):
    set_ = cli("user", "prefs", "ada", "--quiet-hours", "22:00-07:00", "--json")
    assert json.loads(set_.stdout)["quiet_hours"] == "22:00-07:00"

    removed = cli("user", "prefs", "ada", "--no-quiet-hours", "--json")
    assert json.loads(removed.stdout)["quiet_hours"] is None
    assert store.items["ada"].quiet_hours is None


def test_prefs_with_a_type_but_no_channel_is_one_line(cli, store, ada):
    result = cli("user", "prefs", "ada", "--type", "unread_messages", "--off")

    assert "--type, --channel and --on or --off go together" in error_line(result)


def test_prefs_with_no_option_shows_types_by_channel_with_critical_types_marked(cli, store, ada):
    cli("user", "prefs", "ada", "--type", "unread_messages", "--channel", "push", "--off")
    cli("user", "prefs", "ada", "--quiet-hours", "22:00-07:00")

    result = cli("user", "prefs", "ada")

    assert result.exit_code == 0, result.output
    rows = {
        cells[0]: cells[1:]
        for line in result.stdout.splitlines()
        if len(cells := [c.strip() for c in line.replace("┃", "│").strip("│ ").split("│")]) > 2
    }
    assert rows["type"] == ["critical", "email", "sms", "push"]
    assert rows["unread_messages"] == ["", "on", "-", "off"]
    assert rows["mfa_code"] == ["yes", "on", "on", "-"]
    assert "quiet hours: 22:00-07:00 (UTC)" in result.stdout


def test_prefs_json_lists_every_transactional_type_and_the_critical_ones(cli, store, ada):
    result = cli("user", "prefs", "ada", "--json")

    shown = json.loads(result.stdout)
    assert set(shown) == {"user_id", "timezone", "quiet_hours", "preferences", "security_critical"}
    assert shown["preferences"]["account_locked"] == {"email": True, "sms": True}
    assert "account_locked" in shown["security_critical"]
    assert "unread_messages" not in shown["security_critical"]
    assert "newsletter" not in shown["preferences"]
