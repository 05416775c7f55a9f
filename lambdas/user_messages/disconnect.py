"""$disconnect: the connection is forgotten (API Gateway calls it on a best-effort basis, so
a push answered 410 forgets a connection too)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from lambdas.user_messages._common import logger
from tctfmsg.user_messages import bootstrap
from tctfmsg.user_messages.services import connections


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    connection_id = str((event.get("requestContext") or {}).get("connectionId") or "")
    connections.disconnect(bootstrap.default().chat_deps, connection_id)
    return {"statusCode": 200}
