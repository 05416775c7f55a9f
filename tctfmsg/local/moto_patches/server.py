"""The server, every request: moto finds the service by listing its own package directory (a
`listdir` and 200 `isdir` calls, under the dispatcher's lock); the list is read once. DynamoDB
requests and answers of the data plane (items in, items out) are already in their wire form:
they are read with `json.loads` and written with `json.dumps` instead of walking the botocore
model for every attribute, which was a third of moto's time on the pipeline's requests. Blobs,
which moto keeps as bytes, still take the model's path (docs/decisions/0046)."""

from __future__ import annotations

import functools
import json
from typing import Any

from tctfmsg.local.moto_patches.registry import Patches

# DynamoDB actions whose results are items and keys only (no timestamps, no blobs moto keeps
# as bytes): their serialised form is the result itself.
_DATA_PLANE = frozenset(
    {
        "GetItem",
        "BatchGetItem",
        "Query",
        "Scan",
        "PutItem",
        "UpdateItem",
        "DeleteItem",
        "BatchWriteItem",
        "TransactGetItems",
        "TransactWriteItems",
    }
)
_SCALARS = frozenset({"S", "N", "BOOL", "NULL"})


def apply(patches: Patches) -> None:
    from moto import backends

    modules = tuple(backends.list_of_moto_modules())
    patches.replace(backends, "list_of_moto_modules", lambda: modules)
    _answers_as_json(patches)
    _walk_scalars_first(patches)
    _requests_as_json(patches)


def _answers_as_json(patches: Patches) -> None:
    from moto.core.responses import ActionResult
    from moto.dynamodb.responses import DynamoHandler

    original = DynamoHandler.serialized

    @functools.wraps(original)
    def serialized(self: Any, action_result: ActionResult) -> Any:
        result = action_result.result
        if isinstance(result, dict) and self._get_action() in _DATA_PLANE:
            try:
                # The serialiser leaves out members that are None (items hold none).
                present = {k: v for k, v in result.items() if v is not None}
                body = json.dumps(present, separators=(",", ":"))
            except TypeError:  # bytes or another type only the model knows how to write
                return original(self, action_result)
            headers = {"Content-Type": "application/x-amz-json-1.0", **self.response_headers}
            return 200, headers, body
        return original(self, action_result)

    patches.replace(DynamoHandler, "serialized", serialized)


def _walk_scalars_first(patches: Patches) -> None:
    from moto.dynamodb import responses as dynamodb_responses
    from moto.dynamodb.models.dynamo_type import DynamoType, LimitedSizeDict

    to_dict = dynamodb_responses.dynamo_to_dict
    mappings = (dict, LimitedSizeDict)  # an item's attributes are the latter

    @functools.wraps(to_dict)
    def dynamo_to_dict(obj: Any) -> Any:
        # moto's walk over a result, which asks every value in turn what it is; here plain
        # containers, scalars, and string, number and boolean values are answered first.
        kind = type(obj)
        if kind in mappings:
            return {k: dynamo_to_dict(v) for k, v in obj.items()}
        if kind is list:
            return [dynamo_to_dict(v) for v in obj]
        if kind is str or kind is int or kind is bool or obj is None:
            return obj
        if kind is DynamoType and obj.type in _SCALARS and type(obj.value) in (str, bool):
            return {obj.type: obj.value}
        return to_dict(obj)

    patches.replace(dynamodb_responses, "dynamo_to_dict", dynamo_to_dict)


def _requests_as_json(patches: Patches) -> None:
    from moto.dynamodb.responses import DynamoHandler

    original_parse = DynamoHandler.parse_parameters

    @functools.wraps(original_parse)
    def parse_parameters(self: Any, request: Any) -> None:
        # A data-plane request is DynamoDB JSON already; only blobs (base64 in the request,
        # bytes to moto) need the model-driven parser, so any "B" or "BS" key sends it there.
        body = request.data
        if self._get_action() in _DATA_PLANE and b'"B"' not in body and b'"BS"' not in body:
            try:
                params = json.loads(body)
            except ValueError:
                params = None
            if isinstance(params, dict):
                self.params = params
                return
        original_parse(self, request)

    patches.replace(DynamoHandler, "parse_parameters", parse_parameters)
