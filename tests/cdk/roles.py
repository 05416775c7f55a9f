"""Reading a function's role out of a synthesized template: what it may do, and to what."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from aws_cdk.assertions import Template

from tctfmsg.core import resources

from .conftest import STAGE


def function_of(template: Template, spec: resources.FunctionSpec) -> tuple[str, dict[str, Any]]:
    found = template.find_resources(
        "AWS::Lambda::Function", {"Properties": {"FunctionName": spec.physical_name(STAGE)}}
    )
    assert len(found) == 1, f"expected one function named {spec.physical_name(STAGE)}"
    logical_id, function = next(iter(found.items()))
    return logical_id, function["Properties"]


def statements_of(template: Template, spec: resources.FunctionSpec) -> list[dict[str, Any]]:
    """Every policy statement attached to the function's role."""
    _, props = function_of(template, spec)
    role_id = props["Role"]["Fn::GetAtt"][0]
    return [
        statement
        for kind in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy")
        for policy in template.find_resources(kind).values()
        if {"Ref": role_id} in policy["Properties"].get("Roles", [])
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
    ]


def actions_by_resource(template: Template, spec: resources.FunctionSpec) -> dict[str, set[str]]:
    """Logical id of each resource the role names (an index ARN counts as its table) → the
    actions allowed on it."""
    allowed: dict[str, set[str]] = defaultdict(set)
    for statement in statements_of(template, spec):
        assert statement["Effect"] == "Allow"
        actions = _as_list(statement["Action"])
        for resource in _as_list(statement["Resource"]):
            allowed[referenced_id(resource)].update(actions)
    return dict(allowed)


def logical_id(template: Template, kind: str, name_property: str, name: str) -> str:
    found = template.find_resources(kind, {"Properties": {name_property: name}})
    assert len(found) == 1, f"expected one {kind} named {name}"
    return next(iter(found))


def table_id(template: Template, logical: str) -> str:
    """How a service's role names a table: by logical id if the stack holds it, by the ARN its
    stage-derived name gives if the table is in the shared slice."""
    spec = resources.table(logical)
    if spec.owner == resources.SHARED:
        return f"{_ARN}:dynamodb:<AWS::Region>:<AWS::AccountId>:table/{spec.physical_name(STAGE)}"
    return logical_id(template, "AWS::DynamoDB::Table", "TableName", spec.physical_name(STAGE))


def queue_id(template: Template, logical: str) -> str:
    name = resources.queue(logical).physical_name(STAGE)
    return logical_id(template, "AWS::SQS::Queue", "QueueName", name)


def secret_id(template: Template, logical: str) -> str:
    """Like table_id; Secrets Manager's ARN of a secret ends in six random characters."""
    spec = resources.secret(logical)
    name = spec.physical_name(STAGE)
    if spec.owner == resources.SHARED:
        return f"{_ARN}:secretsmanager:<AWS::Region>:<AWS::AccountId>:secret:{name}-??????"
    return logical_id(template, "AWS::SecretsManager::Secret", "Name", name)


_ARN = "arn:<AWS::Partition>"


def referenced_id(resource: Any) -> str:
    """The logical id a resource expression points at (an index ARN points at its table), or,
    for an ARN built from names, its text with pseudo parameters as <AWS::Region> and such."""
    if isinstance(resource, str):
        return resource
    if "Fn::GetAtt" in resource:
        return str(resource["Fn::GetAtt"][0])
    if "Ref" in resource:
        ref = str(resource["Ref"])
        return f"<{ref}>" if ref.startswith("AWS::") else ref
    if "Fn::Join" in resource:
        parts = [referenced_id(part) for part in resource["Fn::Join"][1]]
        ids = [part for part, raw in zip(parts, resource["Fn::Join"][1], strict=True)
               if isinstance(raw, dict) and not part.startswith("<")]  # fmt: skip
        return ids[0] if ids else resource["Fn::Join"][0].join(parts)
    raise AssertionError(f"unexpected resource expression {resource}")


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]
