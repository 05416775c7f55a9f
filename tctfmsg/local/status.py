"""What `tctfmsg local status` reports: endpoints and every resource of the spec, with counts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tctfmsg.core import resources
from tctfmsg.core.clients import Clients
from tctfmsg.local import supervisor
from tctfmsg.local.signature_guard import refused
from tctfmsg.local.state import StackState
from tctfmsg.local.websocket import control as websocket_control


def collect(running: StackState, runtime: Clients, home: Path | None = None) -> dict[str, Any]:
    dynamodb, sqs = runtime.client("dynamodb"), runtime.client("sqs")
    names = runtime.names
    tables = []
    for table in resources.TABLES:
        described = dynamodb.describe_table(TableName=names[table.logical])["Table"]
        tables.append({"name": names[table.logical], "items": described.get("ItemCount", 0)})
    queues = []
    for spec in resources.QUEUES:
        url = sqs.get_queue_url(QueueName=names[spec.logical])["QueueUrl"]
        attributes = sqs.get_queue_attributes(
            QueueUrl=url,
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )["Attributes"]
        queues.append(
            {
                "name": names[spec.logical],
                "visible": int(attributes["ApproximateNumberOfMessages"]),
                "in_flight": int(attributes["ApproximateNumberOfMessagesNotVisible"]),
            }
        )
    report: dict[str, Any] = {
        "pid": running.pid,
        "started_at": running.started_at,
        "endpoints": running.endpoints,
        # alive or dead, with restarts, as the daemon's supervisor last saw them (0082)
        "components": supervisor.read(home, running.pid) if home is not None else {},
        "tables": tables,
        "queues": queues,
        "secrets": [{"name": names[s.logical]} for s in resources.SECRETS],
        # unsigned, wrongly signed or browser requests turned away, by endpoint and kind (0083)
        "refused": refused(home) if home is not None else {},
    }
    report["http_routes"] = http_routes(running.endpoints.get("web"))
    gateway = websocket_control.stats(running)
    if gateway is not None:
        report["websocket_gateway"] = gateway
    return report


def http_routes(web: str | None) -> list[dict[str, str]]:
    """Every public HTTP route of the spec (unsubscribe, provider webhooks) with its URL on the
    stack's web endpoint."""
    if web is None:
        return []
    return [
        {"route": route, "function": spec.logical, "url": web + route.split(" ", 1)[1]}
        for spec in resources.FUNCTIONS
        for route in spec.http_routes
    ]
