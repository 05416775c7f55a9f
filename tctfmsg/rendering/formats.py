"""Dates, numbers and money written the way the recipient's locale writes them (Babel/CLDR).

The registry declares, per notification type, which variables are formatted and how
(`formats = { paid_at = "date", amount = "currency" }`); the caller sends machine values (ISO
8601 dates, decimal strings, an ISO 4217 `currency` code) and the renderer replaces them with
the locale's rendering before the template sees them. Templates stay plain Mustache, so the
same text renders in chevron, in SES's Handlebars and in every locale (decision 0079).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from tctfmsg.core.errors import InvalidInput
from tctfmsg.rendering.language import babel_locale

# Babel's formatters are imported by the first message that formats something.
if TYPE_CHECKING:
    from babel import Locale

KINDS = ("date", "datetime", "number", "percent", "currency")
CURRENCY_VARIABLE = "currency"  # the ISO 4217 code a "currency" amount is in
CURRENCY = re.compile(r"^[A-Z]{3}$")
DECIMAL = re.compile(r"^-?[0-9]{1,15}(\.[0-9]{1,6})?$")
MAX_DATE = 40


def apply(formats: Mapping[str, str], data: Mapping[str, Any], locale: str) -> Mapping[str, Any]:
    """`data` with every declared variable that is present formatted for `locale`; the data
    itself when nothing is declared. A value of the wrong shape is InvalidInput naming it."""
    present = [name for name in formats if data.get(name) not in (None, "")]
    if not present:
        return data
    where = babel_locale(locale)
    out = dict(data)
    for name in present:
        out[name] = _FORMATTERS[formats[name]](name, data, where)
    return out


def _date(name: str, data: Mapping[str, Any], locale: Locale) -> str:
    from babel.dates import format_date

    return format_date(_parse_when(name, data[name]), "long", locale=locale)


def _datetime(name: str, data: Mapping[str, Any], locale: Locale) -> str:
    from babel.dates import (
        format_date,
        format_datetime,
        get_date_format,
        get_datetime_format,
        get_time_format,
    )

    when = _parse_when(name, data[name])
    if not isinstance(when, datetime):
        return format_date(when, "long", locale=locale)
    moment = when if when.tzinfo else when.replace(tzinfo=UTC)
    # the locale's own way of joining a long date and a short time, then the zone
    pattern = (
        str(get_datetime_format("long", locale))
        .replace("{1}", get_date_format("long", locale).pattern)
        .replace("{0}", get_time_format("short", locale).pattern + " z")
    )
    return format_datetime(moment, pattern, tzinfo=moment.tzinfo, locale=locale)


def _number(name: str, data: Mapping[str, Any], locale: Locale) -> str:
    from babel.numbers import format_decimal

    return format_decimal(_parse_decimal(name, data[name]), locale=locale)


def _percent(name: str, data: Mapping[str, Any], locale: Locale) -> str:
    """A fraction (0.8) as the locale writes 80 %."""
    from babel.numbers import format_percent

    return format_percent(_parse_decimal(name, data[name]), locale=locale)


def _currency(name: str, data: Mapping[str, Any], locale: Locale) -> str:
    from babel.numbers import format_currency

    code = data.get(CURRENCY_VARIABLE)
    if not isinstance(code, str) or not CURRENCY.match(code):
        raise InvalidInput(
            f"variable {name!r} is an amount of money but {CURRENCY_VARIABLE!r} is not a "
            "currency code",
            f'give {CURRENCY_VARIABLE} as ISO 4217, e.g. "EUR" or "USD"',
        )
    return format_currency(_parse_decimal(name, data[name]), code, locale=locale)


_FORMATTERS: dict[str, Callable[[str, Mapping[str, Any], Locale], str]] = {
    "date": _date,
    "datetime": _datetime,
    "number": _number,
    "percent": _percent,
    "currency": _currency,
}


def _parse_when(name: str, value: object) -> date | datetime:
    if isinstance(value, str) and len(value) <= MAX_DATE:
        try:
            if "T" in value or " " in value:
                return datetime.fromisoformat(value)
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise InvalidInput(
        f"variable {name!r} must be an ISO 8601 date or date-time",
        'e.g. "2026-03-04" or "2026-03-04T15:05:00Z"',
    )


def _parse_decimal(name: str, value: object) -> Decimal:
    # ints and decimal strings only: a float has already lost the cents it was meant to carry
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) < 10**15:
        return Decimal(value)
    if isinstance(value, str) and DECIMAL.match(value):
        try:
            return Decimal(value)
        except InvalidOperation:
            pass
    raise InvalidInput(
        f"variable {name!r} must be a whole number or a decimal string",
        'e.g. 42 or "49.90" (not a float, which cannot hold cents exactly)',
    )
