"""A user as the communication service knows them: where they can be reached, in which language
and timezone, and what they agreed to receive."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from tctfmsg.core.errors import InvalidInput

CHANNELS: tuple[str, ...] = ("email", "sms", "whatsapp", "push", "websocket")
USER_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:@-]{0,127}$")
E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")
LOCALE = re.compile(r"^[a-z]{2,3}(-[A-Z][A-Za-z]{1,3}|-[0-9]{3})?$")
PUSH_TOKEN = re.compile(r"^[A-Za-z0-9_:.\-]{16,4096}$")
# IANA's Area/Location names (and UTC, GMT); not the files that share their folder
# (localtime, posixrules, zone.tab), which ZoneInfo would also open.
TIMEZONE = re.compile(r"^(UTC|GMT|[A-Z][A-Za-z_+-]{1,30}(/[A-Za-z0-9_+-]{1,30}){1,2})$")
QUIET_HOURS = re.compile(r"([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]):([0-5]\d)")
MAX_PUSH_TOKENS = 10
MAX_EMAIL = 254  # RFC 5321's limit on a forward path


def check_user_id(value: str) -> str:
    if not isinstance(value, str) or not USER_ID.match(value):
        raise InvalidInput(
            f"invalid user id {value[:60]!r}" if isinstance(value, str) else "user id must be text",
            "use 1-128 letters, digits or _ . : @ -, starting with a letter or digit",
        )
    return value


def check_phone(value: str, what: str = "phone") -> str:
    if not isinstance(value, str) or not E164.match(value):
        raise InvalidInput(
            f"invalid {what} number {str(value)[:40]!r}",
            "give it in E.164 form: + then country code and number, digits only (+447700900123)",
        )
    return value


def check_email(value: str) -> str:
    """One bare address (no display name, no list, no control character), domain lower-cased.
    Deliverability is the provider's to judge: nothing is looked up."""
    if not isinstance(value, str) or not value or len(value) > MAX_EMAIL:
        raise InvalidInput(
            "invalid email address", f"give one address of at most {MAX_EMAIL} characters"
        )
    # imported by the paths that check an address, not at every cold start
    from email_validator import EmailNotValidError, validate_email

    try:
        return str(validate_email(value, check_deliverability=False).normalized)
    except EmailNotValidError as exc:
        raise InvalidInput(
            f"invalid email address {value[:80]!r}: {exc}",
            "give one address such as ada@example.com",
        ) from None


def check_timezone(value: str) -> str:
    try:
        if not isinstance(value, str) or not TIMEZONE.match(value):
            raise ValueError(value)
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise InvalidInput(
            f"unknown timezone {str(value)[:60]!r}", "use an IANA name such as Europe/Madrid"
        ) from None
    return value


def check_locale(value: str) -> str:
    if not isinstance(value, str) or not LOCALE.match(value):
        raise InvalidInput(
            f"invalid locale {str(value)[:20]!r}", "use a BCP 47 tag such as en, es or pt-BR"
        )
    return value


def check_push_token(value: str) -> str:
    if not isinstance(value, str) or not PUSH_TOKEN.match(value):
        raise InvalidInput(
            "invalid push token", "a device token is 16-4096 letters, digits or _ : . -"
        )
    return value


@dataclass(frozen=True)
class QuietHours:
    """A daily window in the user's own timezone when non-critical notifications wait.
    start > end spans midnight (22:00-07:00)."""

    start: time
    end: time

    @classmethod
    def parse(cls, text: str) -> QuietHours:
        match = QUIET_HOURS.fullmatch(text) if isinstance(text, str) else None
        if not match:
            raise InvalidInput(
                f"invalid quiet hours {str(text)[:20]!r}",
                "give them as HH:MM-HH:MM, e.g. 22:00-07:00",
            )
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        if (h1, m1) == (h2, m2):
            raise InvalidInput("quiet hours start and end at the same time", "give a real window")
        return cls(time(h1, m1), time(h2, m2))

    def __str__(self) -> str:
        return f"{self.start:%H:%M}-{self.end:%H:%M}"

    def contains(self, local: time) -> bool:
        if self.start < self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end

    def ends(self, now: datetime, timezone: str) -> datetime | None:
        """When the window holding `now` ends (aware, UTC-comparable); None if not inside it."""
        local = now.astimezone(ZoneInfo(timezone))
        if not self.contains(local.time().replace(tzinfo=None)):
            return None
        end = datetime.combine(local.date(), self.end, tzinfo=local.tzinfo)
        if end <= local:
            end += timedelta(days=1)
        return end


@dataclass(frozen=True)
class User:
    user_id: str
    email: str | None = None
    phone: str | None = None  # E.164
    whatsapp: str | None = None  # E.164
    push_tokens: tuple[str, ...] = ()
    locale: str = "en"
    timezone: str = "UTC"
    # notification type -> channel -> on (True) / off (False); absent: on
    preferences: dict[str, dict[str, bool]] = field(default_factory=dict)
    quiet_hours: QuietHours | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    # A new one on every write, so a write based on an old read is refused (UserStore.put);
    # None: not read from a store.
    revision: str | None = None

    def address(self, channel: str) -> str | None:
        """Where `channel` reaches this user (a push user's first token); None: it cannot."""
        if channel == "email":
            return self.email
        if channel == "sms":
            return self.phone
        if channel == "whatsapp":
            return self.whatsapp
        if channel == "push":
            return self.push_tokens[0] if self.push_tokens else None
        if channel == "websocket":
            return self.user_id  # the chat service finds the user's live connections
        return None

    def allows(self, notification_type: str, channel: str) -> bool:
        return self.preferences.get(notification_type, {}).get(channel, True)

    def without_token(self, token: str) -> User:
        return replace(self, push_tokens=tuple(t for t in self.push_tokens if t != token))
