"""Every table, queue, secret and output of the spec, in the stack of its owner: its service's,
or the shared stack for the slice every service uses."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aws_cdk.assertions import Template

from cdk.components.alarm_topic import TOPIC_OUTPUT, alarm_topic_name
from tctfmsg.core import resources
from tctfmsg.core.specs import user_messages as chat_spec

from .conftest import STAGE


def _only(template: Template, kind: str, name_property: str, name: str) -> tuple[str, Any]:
    found = template.find_resources(kind, {"Properties": {name_property: name}})
    assert len(found) == 1, f"expected one {kind} named {name}, found {len(found)}"
    return next(iter(found.items()))


def _key_schema(partition: resources.Key, sort: resources.Key | None) -> list[dict[str, str]]:
    schema = [{"AttributeName": partition.name, "KeyType": "HASH"}]
    if sort:
        schema.append({"AttributeName": sort.name, "KeyType": "RANGE"})
    return schema


@pytest.mark.parametrize("spec", resources.TABLES, ids=lambda spec: spec.logical)
def test_table_has_the_keys_indexes_and_ttl_of_the_spec(
    templates: dict[str, Template], spec: resources.TableSpec
) -> None:
    _, table = _only(
        templates[spec.owner], "AWS::DynamoDB::Table", "TableName", spec.physical_name(STAGE)
    )
    props = table["Properties"]

    assert props["KeySchema"] == _key_schema(spec.partition, spec.sort)
    assert {a["AttributeName"]: a["AttributeType"] for a in props["AttributeDefinitions"]} == (
        spec.attributes()
    )
    assert props.get("GlobalSecondaryIndexes", []) == [
        {
            "IndexName": index.name,
            "KeySchema": _key_schema(index.partition, index.sort),
            "Projection": {"ProjectionType": "ALL"},
        }
        for index in spec.indexes
    ]
    if spec.ttl_attribute:
        assert props["TimeToLiveSpecification"] == {
            "AttributeName": spec.ttl_attribute,
            "Enabled": True,
        }
    else:
        assert "TimeToLiveSpecification" not in props


@pytest.mark.parametrize("spec", resources.TABLES, ids=lambda spec: spec.logical)
def test_table_is_on_demand_recoverable_encrypted_and_retained(
    templates: dict[str, Template], spec: resources.TableSpec
) -> None:
    _, table = _only(
        templates[spec.owner], "AWS::DynamoDB::Table", "TableName", spec.physical_name(STAGE)
    )
    props = table["Properties"]

    assert props["BillingMode"] == "PAY_PER_REQUEST"
    assert props["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    # SSEEnabled without a key of our own: the AWS-managed key aws/dynamodb.
    assert props["SSESpecification"] == {"SSEEnabled": True}
    assert table["DeletionPolicy"] == "Retain"
    assert table["UpdateReplacePolicy"] == "Retain"


@pytest.mark.parametrize("spec", resources.QUEUES, ids=lambda spec: spec.logical)
def test_queue_has_the_timeouts_and_redrive_of_the_spec(
    templates: dict[str, Template], spec: resources.QueueSpec
) -> None:
    template = templates[spec.owner]
    logical_id, queue = _only(template, "AWS::SQS::Queue", "QueueName", spec.physical_name(STAGE))
    props = queue["Properties"]

    assert props["VisibilityTimeout"] == spec.visibility_timeout_s
    assert props["MessageRetentionPeriod"] == spec.retention_s
    assert props["SqsManagedSseEnabled"] is True
    if spec.dead_letter:
        dlq_id, _ = _only(
            template,
            "AWS::SQS::Queue",
            "QueueName",
            resources.queue(spec.dead_letter).physical_name(STAGE),
        )
        assert props["RedrivePolicy"] == {
            "deadLetterTargetArn": {"Fn::GetAtt": [dlq_id, "Arn"]},
            "maxReceiveCount": spec.max_receives,
        }
    else:
        assert "RedrivePolicy" not in props
    _assert_ssl_enforced(template, logical_id)


def _assert_ssl_enforced(template: Template, queue_id: str) -> None:
    policies = template.find_resources(
        "AWS::SQS::QueuePolicy", {"Properties": {"Queues": [{"Ref": queue_id}]}}
    )
    statements = [
        s for p in policies.values() for s in p["Properties"]["PolicyDocument"]["Statement"]
    ]
    assert {
        "Action": "sqs:*",
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        "Effect": "Deny",
        "Principal": {"AWS": "*"},
        "Resource": {"Fn::GetAtt": [queue_id, "Arn"]},
    } in statements


@pytest.mark.parametrize("spec", resources.SECRETS, ids=lambda spec: spec.logical)
def test_secret_exists_under_its_physical_name_and_is_retained(
    templates: dict[str, Template], spec: resources.SecretSpec
) -> None:
    _, secret = _only(
        templates[spec.owner], "AWS::SecretsManager::Secret", "Name", spec.physical_name(STAGE)
    )
    assert secret["DeletionPolicy"] == "Retain"


@pytest.mark.parametrize("spec", resources.SECRETS, ids=lambda spec: spec.logical)
def test_secret_starts_as_the_json_object_its_readers_expect_without_local_values(
    templates: dict[str, Template], spec: resources.SecretSpec
) -> None:
    _, secret = _only(
        templates[spec.owner], "AWS::SecretsManager::Secret", "Name", spec.physical_name(STAGE)
    )
    props = secret["Properties"]
    operator_keys = {key: "" for key in spec.local_value if key not in spec.generated}

    if spec.generated:
        generator = props["GenerateSecretString"]
        assert json.loads(generator["SecretStringTemplate"]) == operator_keys
        assert [generator["GenerateStringKey"]] == list(spec.generated)
    else:
        assert json.loads(props["SecretString"]) == operator_keys
    for local_value in spec.local_value.values():
        assert local_value not in json.dumps(props)


@pytest.mark.parametrize("owner", resources.OWNERS)
def test_a_stack_holds_exactly_the_resources_of_its_owner(
    templates: dict[str, Template], owner: resources.Owner
) -> None:
    tables, queues, secrets = resources.for_owner(owner)
    template = templates[owner]

    template.resource_count_is("AWS::DynamoDB::Table", len(tables))
    template.resource_count_is("AWS::SQS::Queue", len(queues))
    template.resource_count_is("AWS::SecretsManager::Secret", len(secrets))
    template.resource_count_is(
        "AWS::Lambda::Function", len([f for f in resources.FUNCTIONS if f.service == owner])
    )


def test_the_shared_stack_holds_the_backbones_state_and_no_service_stack_does(
    templates: dict[str, Template],
) -> None:
    tables = {"config", "breakers", "idempotency"}
    secrets = {"provider_keys", "signing_keys"}

    for owner, template in templates.items():
        table_names = {
            r["Properties"]["TableName"]
            for r in template.find_resources("AWS::DynamoDB::Table").values()
        }
        secret_names = {
            r["Properties"]["Name"]
            for r in template.find_resources("AWS::SecretsManager::Secret").values()
        }
        held = owner == resources.SHARED
        for logical in tables:
            assert (resources.table(logical).physical_name(STAGE) in table_names) is held
        for logical in secrets:
            assert (resources.secret(logical).physical_name(STAGE) in secret_names) is held


@pytest.mark.parametrize("owner", resources.OWNERS)
def test_every_resource_publishes_its_physical_name_under_its_output_key(
    templates: dict[str, Template], owner: resources.Owner
) -> None:
    specs = [spec for group in resources.for_owner(owner) for spec in group] + [
        spec for spec in resources.FUNCTIONS if spec.service == owner
    ]
    outputs = templates[owner].to_json().get("Outputs", {})

    names = {key: o["Value"] for key, o in outputs.items() if isinstance(o["Value"], str)}
    urls = {key for key, o in outputs.items() if not isinstance(o["Value"], str)}

    assert names == {
        resources.output_key(spec.logical): spec.physical_name(STAGE) for spec in specs
    } | NAMES_BEYOND_THE_SPEC.get(owner, {})
    # The only outputs that are not names: the URL of each API (tests/cdk/test_campaign_api.py)
    assert urls == {
        resources.api_url_output_key(spec.logical)
        for spec in resources.FUNCTIONS
        if spec.service == owner and spec.api
    } | URLS_BEYOND_THE_SPEC.get(owner, set())


# Chat's attachments bucket and its WebSocket stage's URLs (tests/cdk/test_user_messages_stack.py);
# the stage's alarm topic, in the shared stack (tests/cdk/test_alarms.py)
NAMES_BEYOND_THE_SPEC = {
    "user_messages": {
        resources.output_key(chat_spec.ATTACHMENTS_BUCKET): resources.physical_name(
            STAGE, chat_spec.ATTACHMENTS_BUCKET
        )
    },
    resources.SHARED: {TOPIC_OUTPUT: alarm_topic_name(STAGE)},
}
URLS_BEYOND_THE_SPEC = {
    "user_messages": {chat_spec.WEBSOCKET_URL_OUTPUT, chat_spec.MANAGEMENT_URL_OUTPUT},
    # the public HTTP API of a service with http_routes (tests/cdk/test_public_http_api.py)
    "campaigns": {resources.public_url_output_key("campaigns")},
}
