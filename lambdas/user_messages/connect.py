"""$connect: the token (query string `token=`, else one of the offered Sec-WebSocket-Protocol
values) is verified before anything is stored; a refusal is a 401, which refuses the upgrade.
A token offered as a subprotocol is answered with that subprotocol, as browsers require."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from lambdas.user_messages._common import logger, metrics
from tctfmsg.core.errors import InvalidInput
from tctfmsg.user_messages import bootstrap
from tctfmsg.user_messages.services import connections

PROTOCOL_HEADER = "sec-websocket-protocol"


@logger.inject_lambda_context
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    connection_id = (event.get("requestContext") or {}).get("connectionId")
    query = event.get("queryStringParameters") or {}
    headers = {str(k).lower(): v for k, v in (event.get("headers") or {}).items()}
    offered = str(headers.get(PROTOCOL_HEADER) or "").split(",")
    try:
        accepted = connections.connect(
            bootstrap.default().chat_deps, connection_id, query.get("token"), offered
        )
    except InvalidInput as refused:
        logger.info("connection refused", extra={"reason": refused.message})
        metrics.add_metric(name="ConnectionsRefused", unit=MetricUnit.Count, value=1)
        return {"statusCode": 401, "body": "unauthorized"}
    metrics.add_metric(name="Connections", unit=MetricUnit.Count, value=1)
    if accepted.subprotocol is None:
        return {"statusCode": 200}
    return {"statusCode": 200, "headers": {"Sec-WebSocket-Protocol": accepted.subprotocol}}
