"""ConnectionGateway over API Gateway's Management API (boto3 `apigatewaymanagementapi`),
pointed at the WebSocket API's stage URL: in AWS the API's, locally the embedded gateway's."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from tctfmsg.user_messages.domain.model import PushFailed, StaleConnection


class ApiGatewayConnectionGateway:
    def __init__(self, client: Any) -> None:
        self.client = client

    def post(self, connection_id: str, data: Mapping[str, Any]) -> None:
        body = json.dumps(data, separators=(",", ":")).encode()
        try:
            self.client.post_to_connection(ConnectionId=connection_id, Data=body)
        # GoneException is a ClientError too: caught first, or stale connections never go.
        except self.client.exceptions.GoneException:
            raise StaleConnection(connection_id) from None
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code", "error")
            raise PushFailed(f"the gateway refused the frame: {code}") from None
        except BotoCoreError as error:
            raise PushFailed(f"the gateway is unreachable: {type(error).__name__}") from None
