"""$default: every chat frame. The answer goes back to the caller through the Management API,
and only that way: a body in the return value would reach the client too on a two-way route,
so it would get every answer twice."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from lambdas.user_messages._common import logger
from tctfmsg.user_messages import bootstrap
from tctfmsg.user_messages.services import frames


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    connection_id = str((event.get("requestContext") or {}).get("connectionId") or "")
    body = None if event.get("isBase64Encoded") else event.get("body")  # binary: malformed
    frames.respond(bootstrap.default().chat_deps, connection_id, body)
    return {"statusCode": 200}
