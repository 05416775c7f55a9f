"""DynamoDB's typed JSON to plain Python and back.

Written out instead of boto3's TypeSerializer/TypeDeserializer because bulk imports serialise
hundreds of thousands of items and these four types-by-isinstance branches are ~5x cheaper;
tests pin it to boto3's output for every shape we store.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any


def to_item(values: Mapping[str, Any]) -> dict[str, Any]:
    return {k: to_value(v) for k, v in values.items() if v is not None}


def from_item(item: dict[str, Any]) -> dict[str, Any]:
    return {k: from_value(v) for k, v in item.items()}


def to_value(value: Any) -> dict[str, Any]:
    if isinstance(value, str):
        return {"S": value}
    if isinstance(value, bool):
        return {"BOOL": value}
    if isinstance(value, int | float | Decimal):
        return {"N": _number(value)}
    if value is None:
        return {"NULL": True}
    if isinstance(value, dict):
        return {"M": {str(k): to_value(v) for k, v in value.items()}}
    if isinstance(value, list | tuple):
        return {"L": [to_value(v) for v in value]}
    if isinstance(value, set | frozenset):
        if all(isinstance(v, str) for v in value):
            return {"SS": sorted(value)}
        return {"NS": sorted(_number(v) for v in value)}
    if isinstance(value, bytes):
        return {"B": value}
    raise TypeError(f"cannot store {type(value).__name__} in DynamoDB")


def from_value(value: dict[str, Any]) -> Any:
    ((kind, raw),) = value.items()
    if kind == "S":
        return raw
    if kind == "N":
        return _from_number(raw)
    if kind == "M":
        return {k: from_value(v) for k, v in raw.items()}
    if kind == "L":
        return [from_value(v) for v in raw]
    if kind == "SS":
        return set(raw)
    if kind == "NS":
        return {_from_number(v) for v in raw}
    if kind == "BOOL":
        return bool(raw)
    if kind == "NULL":
        return None
    if kind == "B":
        return bytes(raw)
    raise TypeError(f"unknown DynamoDB type {kind}")


def _number(value: int | float | Decimal) -> str:
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise TypeError("DynamoDB cannot store NaN or infinity")
        return str(Decimal(repr(value)))
    return str(value)


def _from_number(raw: str) -> int | float:
    number = Decimal(raw)
    return int(number) if number == number.to_integral_value() else float(number)


def to_time(value: datetime) -> str:
    """One zone and one precision, so stored ISO strings compare as the instants they name."""
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def from_time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None
