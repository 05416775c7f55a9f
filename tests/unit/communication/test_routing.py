"""Which channels a notification tries for a user, in which order, and whether it waits for the
user's quiet hours: opt-outs and quiet hours bind non-critical types and never critical ones."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from tctfmsg.communication.domain.routing import ChannelPlan, channel_order, quiet_until
from tctfmsg.communication.domain.user import QuietHours, User
from tctfmsg.rendering.registry import RegistryEntry

TOKEN = "device-token-aaaaaaaa"
NOW = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)


def entry(type_: str = "account_locked", **changes) -> RegistryEntry:
    base = dict(
        type=type_,
        template=type_,
        category="transactional",
        channels=("email", "sms"),
        default_channel="email",
        required=(),
        optional=(),
        security_critical=True,
        fallback=("sms", "email"),
    )
    return RegistryEntry(**{**base, **changes})


ACCOUNT_LOCKED = entry()
MFA_CODE = entry("mfa_code", channels=("sms", "email"), default_channel="sms", fallback=())
UNREAD = entry(
    "unread_messages",
    channels=("email", "push"),
    security_critical=False,
    fallback=("push", "email"),
)
EVERYWHERE = User(
    "ada", email="ada@example.com", phone="+447700900123", push_tokens=(TOKEN,), timezone="UTC"
)


def opted_out(user: User, type_: str, *channels: str) -> User:
    return replace(user, preferences={type_: dict.fromkeys(channels, False)})


# ---- channel order -----------------------------------------------------------------------


def test_the_default_channel_goes_first_then_the_fallback_channels():
    assert channel_order(ACCOUNT_LOCKED, EVERYWHERE, NOW) == ChannelPlan(("email", "sms"), {})


def test_the_fallback_order_is_the_registrys_not_the_channel_lists():
    wide = entry(channels=("email", "sms", "whatsapp"), fallback=("whatsapp", "sms"))
    user = replace(EVERYWHERE, whatsapp="+447700900124")

    assert channel_order(wide, user, NOW).channels == ("email", "whatsapp", "sms")


def test_a_channel_outside_the_fallback_list_is_left_out_with_its_reason():
    narrow = entry(channels=("email", "sms", "push"), fallback=("sms",))

    plan = channel_order(narrow, EVERYWHERE, NOW)

    assert plan.channels == ("email", "sms")
    assert plan.left_out == {"push": "not a fallback channel of account_locked"}


def test_a_type_that_is_never_rerouted_gets_one_channel():
    plan = channel_order(MFA_CODE, EVERYWHERE, NOW)

    assert plan.channels == ("sms",)
    assert plan.left_out == {"email": "mfa_code is never rerouted from sms"}


def test_without_an_address_for_the_default_the_next_allowed_channel_goes_first():
    no_phone = replace(EVERYWHERE, phone=None)

    plan = channel_order(MFA_CODE, no_phone, NOW)

    assert plan.channels == ("email",)
    assert plan.left_out == {"sms": "no phone number"}


def test_a_channel_the_user_has_no_address_for_is_left_out_with_its_reason():
    no_email = replace(EVERYWHERE, email=None)

    plan = channel_order(ACCOUNT_LOCKED, no_email, NOW)

    assert plan == ChannelPlan(("sms",), {"email": "no email address"})


def test_a_user_reachable_nowhere_gets_no_channel_and_every_reason():
    plan = channel_order(UNREAD, User("ghost"), NOW)

    assert plan.channels == () and not plan.reachable
    assert plan.left_out == {"email": "no email address", "push": "no push device token"}


def test_an_opt_out_of_a_non_critical_type_is_honoured():
    user = opted_out(EVERYWHERE, "unread_messages", "email")

    plan = channel_order(UNREAD, user, NOW)

    assert plan == ChannelPlan(("push",), {"email": "opted out"})


def test_an_opt_out_of_a_security_critical_type_is_ignored():
    # stored directly: the service refuses to store it, but an old item may hold one
    user = opted_out(EVERYWHERE, "account_locked", "email", "sms")

    plan = channel_order(ACCOUNT_LOCKED, user, NOW)

    assert plan == ChannelPlan(("email", "sms"), {})


def test_an_opt_out_of_one_type_leaves_other_types_alone():
    user = opted_out(EVERYWHERE, "new_signin", "email")

    assert channel_order(UNREAD, user, NOW).channels == ("email", "push")


# ---- quiet hours --------------------------------------------------------------------------

MADRID_NIGHTS = replace(
    EVERYWHERE, timezone="Europe/Madrid", quiet_hours=QuietHours.parse("22:00-07:00")
)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.mark.parametrize(
    ("now", "until"),
    [
        ("2026-01-15T22:30", "2026-01-16T06:00"),  # 23:30 in Madrid (CET): before midnight
        ("2026-01-16T03:00", "2026-01-16T06:00"),  # 04:00 in Madrid: after midnight
        ("2026-01-15T21:00", "2026-01-16T06:00"),  # 22:00 in Madrid: the first quiet minute
        ("2026-07-01T21:00", "2026-07-02T05:00"),  # 23:00 in Madrid (CEST, UTC+2)
    ],
)
def test_quiet_hours_defer_a_non_critical_type_to_their_end_in_the_users_timezone(now, until):
    assert quiet_until(UNREAD, MADRID_NIGHTS, at(now)) == at(until)


@pytest.mark.parametrize(
    "now",
    [
        "2026-01-15T12:00",
        "2026-01-16T06:00",  # 07:00 in Madrid: the window has just ended
        "2026-01-15T20:59",  # 21:59 in Madrid: a minute before the window
    ],
)
def test_outside_quiet_hours_a_non_critical_type_goes_at_once(now):
    assert quiet_until(UNREAD, MADRID_NIGHTS, at(now)) is None


def test_quiet_hours_are_read_in_the_users_timezone_not_utc():
    new_york = replace(MADRID_NIGHTS, timezone="America/New_York")
    utc = replace(MADRID_NIGHTS, timezone="UTC")
    now = at("2026-01-16T08:00")  # 03:00 in New York, 08:00 in UTC

    assert quiet_until(UNREAD, new_york, now) == at("2026-01-16T12:00")
    assert quiet_until(UNREAD, utc, now) is None


def test_quiet_hours_never_defer_a_security_critical_type():
    night = at("2026-01-15T23:00")
    assert quiet_until(UNREAD, MADRID_NIGHTS, night) is not None  # the window holds

    assert quiet_until(ACCOUNT_LOCKED, MADRID_NIGHTS, night) is None


def test_a_user_without_quiet_hours_is_never_deferred():
    assert quiet_until(UNREAD, EVERYWHERE, at("2026-01-15T23:00")) is None


def test_a_daytime_window_ends_the_same_day():
    lunch = replace(EVERYWHERE, quiet_hours=QuietHours.parse("12:00-13:30"))

    assert quiet_until(UNREAD, lunch, at("2026-01-15T12:45")) == at("2026-01-15T13:30")
    assert quiet_until(UNREAD, lunch, at("2026-01-15T13:30")) is None


def test_a_naive_now_is_refused_rather_than_read_as_the_servers_time():
    with pytest.raises(ValueError, match="timezone-aware"):
        quiet_until(UNREAD, MADRID_NIGHTS, datetime(2026, 1, 15, 23, 0))
