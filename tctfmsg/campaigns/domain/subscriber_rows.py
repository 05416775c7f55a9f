"""Turns one exported record (Mailchimp, listmonk, or our own columns) into a Subscriber."""

from __future__ import annotations

import csv
import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from tctfmsg.campaigns.domain.subscriber import Subscriber, SubscriberStatus, normalise_email
from tctfmsg.core.errors import InvalidInput

EMAIL = {"email", "email address", "email_address", "e-mail", "e-mail address", "emailaddress"}
NAME = {"name", "full name", "full_name"}
FIRST = {"first name", "first_name", "firstname", "fname"}
LAST = {"last name", "last_name", "lastname", "lname"}
ATTRIBUTES = {"attributes", "attribs"}
TAGS = {"tags"}
STATUS = {"status"}
LISTS = {"lists", "list"}
# Mailchimp exports one file per status; these columns only appear in the non-subscribed ones.
UNSUBSCRIBED_MARKERS = {"unsub_time"}
CLEANED_MARKERS = {"clean_time"}
# Columns our own reject file adds, so a fixed reject file imports as it is.
REJECT_COLUMNS = {"reject_line", "reject_reason"}

STATUS_ALIASES = {
    "subscribed": SubscriberStatus.SUBSCRIBED,
    "enabled": SubscriberStatus.SUBSCRIBED,  # listmonk
    "confirmed": SubscriberStatus.SUBSCRIBED,
    "unconfirmed": SubscriberStatus.SUBSCRIBED,
    "unsubscribed": SubscriberStatus.UNSUBSCRIBED,
    "disabled": SubscriberStatus.UNSUBSCRIBED,  # listmonk
    "blocklisted": SubscriberStatus.UNSUBSCRIBED,  # listmonk
    "bounced": SubscriberStatus.BOUNCED,
    "cleaned": SubscriberStatus.BOUNCED,  # Mailchimp
    "complained": SubscriberStatus.COMPLAINED,
}

_NOT_WORD = re.compile(r"[^0-9a-z]+")
_SURROGATE = re.compile("[\ud800-\udfff]")
MAX_DEPTH = 32  # DynamoDB's limit on nested attributes
# A spreadsheet runs a cell starting with one of these (OWASP, CSV injection); reject files
# put a quote before them.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class SourceRecord:
    line: int
    fields: dict[str, Any] | None  # None when the record could not be decoded
    raw: list[str] | str  # the record as it stood in the file, for the reject file
    error: str | None = None


def require_email_column(columns: Sequence[str], source: str) -> None:
    """A file whose header names no address column cannot import a single row: refuse it once,
    up front, naming the columns it has, rather than rejecting every row one by one."""
    if any(_key(c) in EMAIL for c in columns):
        return
    shown = ", ".join(repr(c) for c in columns[:12]) + (", …" if len(columns) > 12 else "")
    raise InvalidInput(
        f"{source} has no email column (found: {shown or 'none'})",
        "name the address column 'email' (or 'Email Address') and import again",
    )


def subscriber_from_record(record: Mapping[str, Any], lists: frozenset[str]) -> Subscriber:
    """Raises InvalidInput with the reason the record cannot be imported."""
    require_storable(record)
    if any(_key(column) in REJECT_COLUMNS for column in record):
        record = {column: _unquoted(value) for column, value in record.items()}
    email = ""
    first = last = name = ""
    status = SubscriberStatus.SUBSCRIBED
    attributes: dict[str, Any] = {}
    record_lists = set(lists)
    for column, value in record.items():
        key = _key(column)
        if value is None or value == "" or not key or key in REJECT_COLUMNS:
            continue
        if key in EMAIL:
            email = str(value)
        elif key in NAME:
            name = str(value).strip()
        elif key in FIRST:
            first = str(value).strip()
        elif key in LAST:
            last = str(value).strip()
        elif key in ATTRIBUTES:
            attributes.update(_attributes(value))
        elif key in TAGS:
            attributes["tags"] = _tags(value)
        elif key in STATUS:
            status = _worse(status, _status(value))
        elif key in LISTS:
            record_lists.update(_split_lists(value))
        elif key in UNSUBSCRIBED_MARKERS:
            status = _worse(status, SubscriberStatus.UNSUBSCRIBED)
        elif key in CLEANED_MARKERS:
            status = _worse(status, SubscriberStatus.BOUNCED)
        else:
            attributes[attribute_name(column)] = value
    if not email:
        raise InvalidInput("missing email")
    if first:
        attributes["first_name"] = first
    if last:
        attributes["last_name"] = last
    return Subscriber(
        email=normalise_email(email),
        name=name or " ".join(p for p in (first, last) if p),
        status=status,
        lists=frozenset(record_lists),
        attributes=attributes,
    )


def require_storable(record: Mapping[str, Any]) -> None:
    """InvalidInput naming the column, for a value no store should keep: a NUL byte, a lone
    surrogate (not text: it cannot be encoded), NaN or infinity, or nesting past MAX_DEPTH."""
    pending: list[tuple[str, Any, int]] = [(str(k), v, 1) for k, v in record.items()]
    while pending:
        column, value, depth = pending.pop()
        where = f"column {column[:60]!r}"
        for text in (column, value) if isinstance(value, str) else (column,):
            if "\x00" in text:
                raise InvalidInput(f"{where} holds a NUL byte")
            if _SURROGATE.search(text):
                raise InvalidInput(f"{where} holds a lone surrogate, which is not text")
        if isinstance(value, float) and not math.isfinite(value):
            raise InvalidInput(f"{where} holds {value}, which is not a number that can be stored")
        if isinstance(value, dict | list):
            if depth >= MAX_DEPTH:
                raise InvalidInput(f"{where} is nested deeper than {MAX_DEPTH} levels")
            items = value.items() if isinstance(value, dict) else enumerate(value)
            pending += [(f"{column}.{k}", v, depth + 1) for k, v in items]


class NotJsonNumber(ValueError):
    pass


def loads_strict(text: str) -> Any:
    """json.loads that refuses NaN, Infinity and numbers too large for a float, and fails with
    InvalidInput, never RecursionError, on text nested too deep for Python to read."""
    try:
        return json.loads(text, parse_constant=_no_constant, parse_float=_finite)
    except NotJsonNumber as exc:
        raise InvalidInput(str(exc)) from None
    except RecursionError:
        raise InvalidInput("it is nested too deep to read") from None


def _no_constant(name: str) -> float:
    raise NotJsonNumber(f"{name} is not a number JSON allows")


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise NotJsonNumber(f"{text[:40]} is too large for a number")
    return value


def _unquoted(value: Any) -> Any:
    """A reject file's cell as it was before the import neutralised it for spreadsheets."""
    if isinstance(value, str) and value.startswith("'") and value[1:2] in FORMULA_STARTS:
        return value[1:]
    return value


def attribute_name(column: str) -> str:
    """'MEMBER_RATING' → 'member_rating', 'Phone Number' → 'phone_number': usable in templates."""
    return _NOT_WORD.sub("_", column.strip().lower()).strip("_") or "column"


def _key(column: object) -> str:
    return column.strip().lower() if isinstance(column, str) else ""


def _attributes(value: Any) -> dict[str, Any]:
    if isinstance(value, dict):
        return value
    try:
        parsed = loads_strict(value)
    except InvalidInput as exc:
        raise InvalidInput(f"attributes is not valid JSON: {exc.message}") from None
    except (TypeError, ValueError):
        raise InvalidInput(f"attributes is not valid JSON: {str(value)[:60]!r}") from None
    if not isinstance(parsed, dict):
        raise InvalidInput("attributes must be a JSON object")
    require_storable({"attributes": parsed})
    return parsed


def _tags(value: Any) -> list[str]:
    if isinstance(value, list):
        return [str(v) for v in value]
    # Mailchimp writes tags as a quoted, comma-separated list inside one field: "VIP","Beta"
    return [t.strip() for t in next(csv.reader([str(value)]), []) if t.strip()]


def _status(value: Any) -> SubscriberStatus:
    try:
        return STATUS_ALIASES[str(value).strip().lower()]
    except KeyError:
        allowed = ", ".join(s.value for s in SubscriberStatus)
        raise InvalidInput(f"unknown status {value!r} (expected one of {allowed})") from None


def _split_lists(value: Any) -> set[str]:
    items = value if isinstance(value, list) else re.split(r"[;|,]", str(value))
    return {str(i).strip() for i in items if str(i).strip()}


def _worse(a: SubscriberStatus, b: SubscriberStatus) -> SubscriberStatus:
    return a if a.suppression >= b.suppression else b
