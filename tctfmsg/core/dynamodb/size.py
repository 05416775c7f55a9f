"""An item's size as DynamoDB counts it against its 400 KB limit, computed before a write so
one item too large is refused alone instead of failing the batch it would have travelled in.

The rules (DynamoDB developer guide, "Item sizes"): attribute names and strings count their
UTF-8 bytes; a number about one byte per two significant digits, plus one; binary its bytes;
a boolean or null one byte; a list or map three bytes plus one per element, plus its elements.
"""

from __future__ import annotations

from typing import Any

ITEM_LIMIT = 400 * 1024


def item_size(item: dict[str, Any]) -> int:
    return sum(_utf8(name) + value_size(value) for name, value in item.items())


def value_size(value: dict[str, Any]) -> int:
    ((kind, raw),) = value.items()
    if kind == "S":
        return _utf8(raw)
    if kind == "N":
        return _number(raw)
    if kind == "B":
        return len(raw)
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "L":
        return 3 + sum(1 + value_size(v) for v in raw)
    if kind == "M":
        return 3 + sum(1 + _utf8(k) + value_size(v) for k, v in raw.items())
    if kind == "SS":
        return sum(_utf8(v) for v in raw)
    if kind == "NS":
        return sum(_number(v) for v in raw)
    if kind == "BS":
        return sum(len(v) for v in raw)
    raise TypeError(f"unknown DynamoDB type {kind}")


def _utf8(text: str) -> int:
    return len(text.encode("utf-8", "surrogatepass"))


def _number(raw: str) -> int:
    digits = raw.lstrip("-").replace(".", "").split("e")[0].split("E")[0].strip("0") or "0"
    return (len(digits) + 1) // 2 + 1
