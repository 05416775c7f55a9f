"""A tiny set of WebSocket route handlers for the local gateway's tests, loaded by the function
runtime as "tests.support.websocket_handlers:NAME". Every event they get is recorded, so a test
can assert the event the gateway built and wait, bounded, for one to arrive.

`$connect` obeys the query string: `status=N` answers N, `protocol=P` selects subprotocol P,
`post_self=1` first posts to its own connection through the management API (which must refuse:
the upgrade is not complete) and records the error code it got."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from typing import Any

import boto3
from botocore.exceptions import ClientError

from tctfmsg.core.spec_types import FunctionSpec
from tctfmsg.local.state import StackCredentials

Event = dict[str, Any]


class Recorder:
    def __init__(self) -> None:
        self._events: list[Event] = []
        self._changed = threading.Condition()
        self.management_url = ""  # where `post_self` posts, set by the test's gateway
        self.credentials: StackCredentials | None = None  # the gateway's stack keys, likewise

    def record(self, event: Event) -> None:
        with self._changed:
            self._events.append(event)
            self._changed.notify_all()

    def events(self, route: str | None = None, connection_id: str | None = None) -> list[Event]:
        with self._changed:
            return [
                e
                for e in self._events
                if (route is None or e["requestContext"]["routeKey"] == route)
                and (connection_id is None or e["requestContext"]["connectionId"] == connection_id)
            ]

    def wait_for(self, found: Callable[[], list[Event]], timeout: float = 10.0) -> list[Event]:
        """The first non-empty answer of found(), re-asked whenever an event arrives."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while not (result := found()):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"no matching event within {timeout} s")
                self._changed.wait(remaining)
            return result

    def clear(self) -> None:
        with self._changed:
            self._events.clear()


RECORDED = Recorder()


def management_client(endpoint_url: str, keys: StackCredentials | None = None) -> Any:
    """Signed with the stack's keys (`keys`, or the test gateway's): nothing else gets in."""
    keys = keys or RECORDED.credentials
    assert keys is not None, "no stack keys: start the gateway first"
    return boto3.client(
        "apigatewaymanagementapi",
        endpoint_url=endpoint_url,
        region_name="us-east-1",
        aws_access_key_id=keys.access_key_id,
        aws_secret_access_key=keys.secret_access_key,
    )


def connect(event: Event, context: Any) -> Event:
    RECORDED.record(event)
    query = event.get("queryStringParameters") or {}
    if "post_self" in query:
        client = management_client(RECORDED.management_url)
        own = event["requestContext"]["connectionId"]
        try:
            client.post_to_connection(ConnectionId=own, Data=b"too early")
            outcome = "delivered"
        except ClientError as exc:
            outcome = exc.response["Error"]["Code"]
        RECORDED.record(
            {"requestContext": {"routeKey": "post_self", "connectionId": own}, "outcome": outcome}
        )
    answer: Event = {"statusCode": int(query.get("status", "200"))}
    if "protocol" in query:
        answer["headers"] = {"Sec-WebSocket-Protocol": query["protocol"]}
    return answer


def default(event: Event, context: Any) -> Event:
    RECORDED.record(event)
    if event["body"] == "raise":
        raise RuntimeError("the handler failed")
    if event["body"] == "quiet":
        return {"statusCode": 200}
    return {"statusCode": 200, "body": json.dumps({"route": "$default", "body": event["body"]})}


def echo(event: Event, context: Any) -> Event:
    RECORDED.record(event)
    return {"statusCode": 200, "body": json.dumps({"route": "echo", "body": event["body"]})}


def disconnect(event: Event, context: Any) -> Event:
    RECORDED.record(event)
    return {"statusCode": 200}


def _spec(logical: str, handler: str, *routes: str) -> FunctionSpec:
    return FunctionSpec(
        logical=logical,
        service="user_messages",
        handler=f"tests.support.websocket_handlers:{handler}",
        websocket_routes=routes,
    )


SPECS: tuple[FunctionSpec, ...] = (
    _spec("ws_connect", "connect", "$connect"),
    _spec("ws_default", "default", "$default"),
    _spec("ws_echo", "echo", "echo"),
    _spec("ws_disconnect", "disconnect", "$disconnect"),
)
