"""The user use cases over an in-memory store: create or change only what is given, every bad
value one clear error, preferences that respect the registry, and writes that never undo a
change made meanwhile."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from tctfmsg.communication.domain.user import QuietHours, User
from tctfmsg.communication.services import users
from tctfmsg.core.errors import Conflict, InvalidInput, NotFound
from tctfmsg.rendering import load_registry
from tests.support.campaign_memory import FixedClock
from tests.support.user_memory import MemoryUserStore

TOKEN_A = "device-token-aaaaaaaa"
TOKEN_B = "device-token-bbbbbbbb"
START = datetime(2030, 1, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def store() -> MemoryUserStore:
    return MemoryUserStore()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(START)


@pytest.fixture(scope="module")
def registry():
    return load_registry()


@pytest.fixture
def ada(store, clock) -> User:
    return users.set_user(
        store,
        "ada",
        email="ada@Example.COM",
        phone="+447700900123",
        push_tokens=[TOKEN_A, TOKEN_B],
        timezone="Europe/Madrid",
        clock=clock,
    )


# ---- set, show, delete --------------------------------------------------------------------


def test_set_creates_a_user_with_what_was_given_and_the_defaults(ada, store):
    assert ada == store.items["ada"]
    assert ada.email == "ada@example.com"  # the domain lower-cased, as the backbone sends it
    assert (ada.phone, ada.whatsapp, ada.push_tokens) == ("+447700900123", None, (TOKEN_A, TOKEN_B))
    assert (ada.timezone, ada.locale, ada.quiet_hours) == ("Europe/Madrid", "en", None)
    assert ada.created_at == ada.updated_at == START


def test_set_on_an_existing_user_changes_only_the_fields_given(ada, store, clock):
    clock.advance(60)

    changed = users.set_user(store, "ada", locale="pt-BR", whatsapp="+447700900124", clock=clock)

    assert changed == replace(
        ada,
        locale="pt-BR",
        whatsapp="+447700900124",
        updated_at=clock.now(),
        revision=changed.revision,
    )
    assert changed.revision != ada.revision
    assert changed.created_at == START


def test_an_empty_address_removes_it_and_an_empty_token_list_removes_every_token(ada, store):
    changed = users.set_user(store, "ada", email="", phone="", push_tokens=[])

    assert (changed.email, changed.phone, changed.push_tokens) == (None, None, ())


def test_repeated_push_tokens_are_kept_once_in_the_order_given(store):
    user = users.set_user(store, "bo", push_tokens=[TOKEN_B, TOKEN_A, TOKEN_B])

    assert user.push_tokens == (TOKEN_B, TOKEN_A)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("email", "Ada <ada@example.com>", "invalid email address"),
        ("email", "ada@example.com, eve@example.com", "invalid email address"),
        ("email", "ada@example.com\r\nBcc: eve@example.com", "invalid email address"),
        ("email", "a" * 250 + "@x.io", "invalid email address"),
        ("phone", "07700 900123", "invalid phone number"),
        ("whatsapp", "+44", "invalid WhatsApp number"),
        ("timezone", "Mars/Olympus_Mons", "unknown timezone"),
        ("timezone", "localtime", "unknown timezone"),  # a file in the zone folder, not a zone
        ("timezone", "../../etc/passwd", "unknown timezone"),
        ("locale", "english", "invalid locale"),
        ("push_tokens", ["short"], "invalid push token"),
        ("push_tokens", TOKEN_A, "push tokens must be a list"),  # a string is not a list
        ("push_tokens", [f"device-token-{i:08d}" for i in range(11)], "too many"),
    ],
)
def test_every_bad_value_is_one_clear_error_and_nothing_is_stored(store, field, value, message):
    with pytest.raises(InvalidInput, match=message) as caught:
        users.set_user(store, "ada", **{field: value})

    assert "\n" not in str(caught.value) and caught.value.hint
    assert store.items == {}


@pytest.mark.parametrize("user_id", ["", "-ada", "ada smith", "a" * 129, 42])
def test_a_bad_user_id_is_refused(store, user_id):
    with pytest.raises(InvalidInput, match="user id"):
        users.set_user(store, user_id, email="ada@example.com")


def test_show_finds_the_user_or_says_how_to_create_one(ada, store):
    assert users.show_user(store, "ada") == ada

    with pytest.raises(NotFound, match="no user bo") as caught:
        users.show_user(store, "bo")
    assert "tctfmsg user set bo" in caught.value.hint


def test_delete_removes_the_user_and_a_second_delete_is_not_found(ada, store):
    users.delete_user(store, "ada")

    assert store.items == {}
    with pytest.raises(NotFound, match="no user ada"):
        users.delete_user(store, "ada")


# ---- writes never undo a change made meanwhile --------------------------------------------


def test_a_token_removed_meanwhile_stays_removed(ada, store):
    def worker_removes_a_dead_token(s: MemoryUserStore) -> None:
        s.before_put = None  # once
        s.remove_push_token("ada", TOKEN_A)

    store.before_put = worker_removes_a_dead_token

    changed = users.set_user(store, "ada", locale="es")

    assert changed.push_tokens == (TOKEN_B,) and changed.locale == "es"
    assert store.items["ada"] == changed


def test_a_user_that_keeps_changing_is_a_conflict_not_a_lost_update(ada, store):
    def someone_else_writes(s: MemoryUserStore) -> None:
        s.items["ada"] = replace(s.items["ada"], revision=f"theirs-{s.puts}")
        s.puts += 1

    store.before_put = someone_else_writes

    with pytest.raises(Conflict, match="kept changing"):
        users.set_user(store, "ada", locale="es")
    assert store.items["ada"].locale == "en"


# ---- preferences --------------------------------------------------------------------------


def test_opting_out_of_a_non_critical_type_on_one_channel_is_stored(ada, store, registry):
    changed = users.set_preference(store, registry, "ada", "unread_messages", "email", False)

    assert changed.preferences == {"unread_messages": {"email": False}}
    assert not changed.allows("unread_messages", "email")
    assert changed.allows("unread_messages", "push")


def test_opting_back_in_turns_the_channel_on_again(ada, store, registry):
    users.set_preference(store, registry, "ada", "unread_messages", "email", False)

    changed = users.set_preference(store, registry, "ada", "unread_messages", "email", True)

    assert changed.allows("unread_messages", "email")


def test_opting_out_of_a_security_critical_type_is_refused_in_one_line(ada, store, registry):
    with pytest.raises(InvalidInput) as caught:
        users.set_preference(store, registry, "ada", "account_locked", "sms", False)

    assert caught.value.message == "account_locked is security-critical and cannot be opted out of"
    assert store.items["ada"] == ada  # nothing written


def test_opting_in_to_a_security_critical_type_is_allowed(ada, store, registry):
    changed = users.set_preference(store, registry, "ada", "mfa_code", "sms", True)

    assert changed.allows("mfa_code", "sms")


def test_a_preference_for_an_unknown_type_names_the_known_ones(ada, store, registry):
    with pytest.raises(NotFound, match="no notification type 'nope'") as caught:
        users.set_preference(store, registry, "ada", "nope", "email", False)
    assert "unread_messages" in caught.value.hint


def test_a_preference_for_a_channel_the_type_never_uses_is_refused(ada, store, registry):
    with pytest.raises(InvalidInput, match="never sent by 'whatsapp'") as caught:
        users.set_preference(store, registry, "ada", "unread_messages", "whatsapp", False)
    assert caught.value.hint == "its channels are email, push"


def test_a_flood_of_a_type_name_is_refused_without_being_echoed(ada, store, registry):
    with pytest.raises(InvalidInput) as caught:
        users.set_preference(store, registry, "ada", "x" * 10_000, "email", False)
    assert len(str(caught.value)) < 200


def test_a_campaign_type_has_no_preferences(ada, store, registry):
    with pytest.raises(InvalidInput, match="newsletter is a campaign"):
        users.set_preference(store, registry, "ada", "newsletter", "email", False)


def test_a_preference_is_on_or_off_not_anything_truthy(ada, store, registry):
    with pytest.raises(InvalidInput, match="on or off"):
        users.set_preference(store, registry, "ada", "unread_messages", "email", "no")


def test_a_preference_for_a_missing_user_is_not_found(store, registry):
    with pytest.raises(NotFound, match="no user bo"):
        users.set_preference(store, registry, "bo", "unread_messages", "email", False)
    assert store.items == {}  # and no user was made


def test_the_preference_table_shows_critical_types_always_on(ada, store, registry):
    user = users.set_preference(store, registry, "ada", "unread_messages", "push", False)

    rows = {row.type: row for row in users.preference_table(registry, user)}

    assert rows["unread_messages"].channels == {"email": True, "push": False}
    assert rows["account_locked"].security_critical
    assert rows["account_locked"].channels == {"email": True, "sms": True}
    assert "newsletter" not in rows  # campaigns are unsubscribed from, not preferred


# ---- quiet hours --------------------------------------------------------------------------


def test_quiet_hours_are_set_and_cleared(ada, store):
    assert users.set_quiet_hours(store, "ada", "22:00-07:00").quiet_hours == QuietHours.parse(
        "22:00-07:00"
    )
    assert users.set_quiet_hours(store, "ada", None).quiet_hours is None


@pytest.mark.parametrize("window", ["22:00", "25:00-07:00", "22:00-22:00", "10pm-7am", 2200])
def test_a_bad_quiet_hours_window_is_one_clear_error(ada, store, window):
    with pytest.raises(InvalidInput, match="quiet hours"):
        users.set_quiet_hours(store, "ada", window)
    assert store.items["ada"] == ada


def test_quiet_hours_for_a_missing_user_are_not_found(store):
    with pytest.raises(NotFound):
        users.set_quiet_hours(store, "bo", "22:00-07:00")


# ---- what the doors show ------------------------------------------------------------------


def test_a_user_is_shown_with_exactly_the_documented_keys(ada, store, registry):
    users.set_quiet_hours(store, "ada", "22:00-07:00")
    user = users.set_preference(store, registry, "ada", "unread_messages", "email", False)

    assert users.user_fields(user) == {
        "user_id": "ada",
        "email": "ada@example.com",
        "phone": "+447700900123",
        "whatsapp": None,
        "push_tokens": [TOKEN_A, TOKEN_B],
        "locale": "en",
        "timezone": "Europe/Madrid",
        "quiet_hours": "22:00-07:00",
        "preferences": {"unread_messages": {"email": False}},
    }


def test_change_preferences_checks_everything_before_writing_anything(ada, store, registry):
    with pytest.raises(InvalidInput, match="quiet hours"):
        users.change_preferences(
            store,
            registry,
            "ada",
            notification_type="unread_messages",
            channel="email",
            on=False,
            quiet_hours="late",
        )
    assert store.items["ada"] == ada


def test_change_preferences_writes_a_preference_and_quiet_hours_at_once(ada, store, registry):
    puts = store.puts

    changed = users.change_preferences(
        store,
        registry,
        "ada",
        notification_type="unread_messages",
        channel="push",
        on=False,
        quiet_hours="23:00-06:30",
    )

    assert not changed.allows("unread_messages", "push")
    assert str(changed.quiet_hours) == "23:00-06:30"
    assert store.puts == puts + 1


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ({"notification_type": "unread_messages", "on": False}, "go together"),
        ({"quiet_hours": "22:00-07:00", "no_quiet_hours": True}, "contradict"),
    ],
)
def test_change_preferences_refuses_half_a_request(ada, store, registry, given, message):
    with pytest.raises(InvalidInput, match=message):
        users.change_preferences(store, registry, "ada", **given)


def test_change_preferences_with_nothing_to_change_reads_the_user(ada, store, registry):
    assert users.change_preferences(store, registry, "ada") == ada
    with pytest.raises(NotFound):
        users.change_preferences(store, registry, "bo")
