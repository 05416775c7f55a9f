"""Route selection of the local HTTP API: exact paths, `{name}` and `{name+}` segments, an
exact method before ANY, and route keys that are not route keys refused at start."""

from __future__ import annotations

import pytest

from tctfmsg.core.spec_types import FunctionSpec
from tctfmsg.local.web.routes import HttpRouteTable


def _spec(logical: str, *routes: str) -> FunctionSpec:
    return FunctionSpec(logical, "campaigns", "x:y", http_routes=routes)


TABLE = HttpRouteTable(
    (
        _spec("exact", "POST /hooks/resend"),
        _spec("one", "POST /hooks/{provider}"),
        _spec("rest", "GET /files/{path+}"),
        _spec("any", "ANY /hooks/resend"),
    )
)


def _picked(method: str, path: str) -> tuple[str, dict[str, str]] | None:
    match = TABLE.match(method, path)
    return None if match is None else (match.route.function.logical, match.path_parameters)


def test_a_path_is_matched_whole_and_by_its_segments():
    assert _picked("POST", "/hooks/resend") == ("exact", {})
    assert _picked("POST", "/hooks/sendgrid") == ("one", {"provider": "sendgrid"})
    assert _picked("GET", "/files/a/b.txt") == ("rest", {"path": "a/b.txt"})
    assert _picked("POST", "/hooks/a/b") is None
    assert _picked("POST", "/hooks/") is None
    assert _picked("GET", "/hooks/resend/") is None


def test_an_exact_method_wins_over_any_and_any_takes_the_rest():
    assert _picked("POST", "/hooks/resend") == ("exact", {})
    assert _picked("DELETE", "/hooks/resend") == ("any", {})
    assert _picked("GET", "/nowhere") is None


@pytest.mark.parametrize("key", ["/no-method", "FETCH /x", "GET x", "GET /a b", "get /x"])
def test_a_route_key_that_is_not_one_is_refused(key):
    with pytest.raises(ValueError, match="not an HTTP route key"):
        HttpRouteTable((_spec("bad", key),))
