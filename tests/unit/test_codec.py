from decimal import Decimal

import pytest
from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

from tctfmsg.core.dynamodb import codec

SHAPES = {
    "s": "text",
    "n": 42,
    "f": 1.5,
    "b": True,
    "m": {"city": "Oslo", "nested": {"x": [1, "two", False]}},
    "l": ["VIP", "Beta"],
    "ss": {"a", "b"},
    "none_in_map": {"k": None},
}


def test_serialises_exactly_like_boto3():
    boto = {
        k: TypeSerializer().serialize(Decimal(str(v)) if isinstance(v, float) else v)
        for k, v in SHAPES.items()
    }
    ours = codec.to_item(SHAPES)
    ours["ss"]["SS"] = sorted(ours["ss"]["SS"])
    boto["ss"]["SS"] = sorted(boto["ss"]["SS"])
    assert ours == boto


def test_round_trips_to_plain_python():
    assert codec.from_item(codec.to_item(SHAPES)) == SHAPES


def test_reads_what_boto3_writes():
    item = {
        k: TypeSerializer().serialize(v) for k, v in {"n": Decimal("7"), "m": {"a": "b"}}.items()
    }
    assert codec.from_item(item) == {"n": 7, "m": {"a": "b"}}
    assert TypeDeserializer().deserialize(codec.to_value(3)) == Decimal(3)


def test_none_values_are_left_out_of_items():
    assert codec.to_item({"a": "x", "b": None}) == {"a": {"S": "x"}}


def test_nan_is_refused():
    with pytest.raises(TypeError, match="NaN"):
        codec.to_value(float("nan"))
