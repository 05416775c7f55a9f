"""The user commands, as an operator runs them, against a running embedded stack: a user set,
shown, given preferences and quiet hours, refused a critical opt-out, and deleted."""

import json

TOKEN = "device-token-e2e-aaaaaaaa"


def run_json(stack, *args: str) -> dict:
    return json.loads(stack.cli(*args, "--json", check=True).stdout)


def test_a_user_is_set_shown_given_preferences_and_deleted(stack):
    created = run_json(
        stack, "user", "set", "e2e-ada",
        "--email", "ada@example.com",
        "--phone", "+447700900123",
        "--push-token", TOKEN,
        "--timezone", "Europe/Madrid",
    )  # fmt: skip
    assert created["email"] == "ada@example.com" and created["push_tokens"] == [TOKEN]

    changed = run_json(stack, "user", "set", "e2e-ada", "--locale", "es")
    assert (changed["locale"], changed["phone"]) == ("es", "+447700900123")

    prefs = run_json(
        stack, "user", "prefs", "e2e-ada",
        "--type", "unread_messages", "--channel", "email", "--off",
        "--quiet-hours", "22:00-07:00",
    )  # fmt: skip
    assert prefs["preferences"]["unread_messages"] == {"email": False, "push": True}
    assert prefs["quiet_hours"] == "22:00-07:00"

    refused = stack.cli(
        "user", "prefs", "e2e-ada", "--type", "mfa_code", "--channel", "sms", "--off"
    )
    assert refused.returncode == 1
    assert refused.stderr.strip().splitlines() == [
        "error: mfa_code is security-critical and cannot be opted out of — it always reaches "
        "the user; only non-critical types can be turned off"
    ]

    shown = run_json(stack, "user", "show", "e2e-ada")
    assert shown == {
        "user_id": "e2e-ada",
        "email": "ada@example.com",
        "phone": "+447700900123",
        "whatsapp": None,
        "push_tokens": [TOKEN],
        "locale": "es",
        "timezone": "Europe/Madrid",
        "quiet_hours": "22:00-07:00",
        "preferences": {"unread_messages": {"email": False}},
    }

    assert stack.cli("user", "delete", "e2e-ada", check=True).stdout.strip() == (
        "deleted user e2e-ada"
    )
    gone = stack.cli("user", "show", "e2e-ada", "--json")
    assert gone.returncode == 1 and gone.stderr.startswith("error: no user e2e-ada")
