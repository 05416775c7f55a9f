"""The communication stack as issue 11 needs it: its tables, its own queue and dead-letter queue,
the notification API behind IAM, a worker whose instances are reserved, and roles that hold only
what each function does (docs/decisions/0071)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Template

from cdk.stacks import CommunicationStack
from tctfmsg.core import resources

from .conftest import CONCURRENCY, OFFLINE, STAGE, STAGE_SETTINGS
from .roles import (
    actions_by_resource,
    function_of,
    queue_id,
    secret_id,
    statements_of,
    table_id,
)

SERVICE = "communication"
WORKER = resources.function("notification_worker")
API = resources.function("notification_api")
DLQ_MONITOR = resources.function("notification_dlq_monitor")
DEFAULT_BUS = "arn:<AWS::Partition>:events:<AWS::Region>:<AWS::AccountId>:event-bus/default"


@pytest.fixture(scope="module")
def template(templates: dict[str, Template]) -> Template:
    return templates[SERVICE]


def _table(template: Template, logical: str) -> dict[str, Any]:
    name = resources.table(logical).physical_name(STAGE)
    [table] = template.find_resources(
        "AWS::DynamoDB::Table", {"Properties": {"TableName": name}}
    ).values()
    return dict(table["Properties"])


def _keys(schema: list[dict[str, str]]) -> tuple[str, ...]:
    return tuple(key["AttributeName"] for key in schema)


def _actions(template: Template, spec: resources.FunctionSpec) -> set[str]:
    return {a for actions in actions_by_resource(template, spec).values() for a in actions}


# ---- data -------------------------------------------------------------------------------------


def test_notifications_are_keyed_by_id_found_by_user_and_status_and_expire(
    template: Template,
) -> None:
    table = _table(template, "notifications")

    assert _keys(table["KeySchema"]) == ("notification_id",)
    indexes = {i["IndexName"]: i for i in table["GlobalSecondaryIndexes"]}
    assert {name: _keys(i["KeySchema"]) for name, i in indexes.items()} == {
        "by_user": ("user_id", "created_at"),
        "by_status": ("status", "created_at"),
    }
    assert {i["Projection"]["ProjectionType"] for i in indexes.values()} == {"ALL"}
    assert table["TimeToLiveSpecification"] == {"AttributeName": "expires_at", "Enabled": True}


@pytest.mark.parametrize(
    ("logical", "keys", "ttl"),
    [
        ("users", ("user_id",), None),
        ("notification_attempts", ("notification_id", "channel"), "expires_at"),
        ("rate_windows", ("window",), "expires_at"),
    ],
)
def test_users_attempts_and_rate_windows_have_their_keys_and_expiry(
    template: Template, logical: str, keys: tuple[str, ...], ttl: str | None
) -> None:
    table = _table(template, logical)

    assert _keys(table["KeySchema"]) == keys
    assert "GlobalSecondaryIndexes" not in table
    expiry = table.get("TimeToLiveSpecification")
    assert expiry == ({"AttributeName": ttl, "Enabled": True} if ttl else None)


def test_notifications_have_their_own_queue_which_dead_letters_after_five_receives(
    template: Template,
) -> None:
    queue_logical = queue_id(template, "notification_queue")
    dlq_logical = queue_id(template, "notification_dlq")
    queue = template.to_json()["Resources"][queue_logical]["Properties"]

    assert queue["RedrivePolicy"] == {
        "deadLetterTargetArn": {"Fn::GetAtt": [dlq_logical, "Arn"]},
        "maxReceiveCount": 5,
    }
    assert queue["VisibilityTimeout"] >= function_of(template, WORKER)[1]["Timeout"]


def test_the_messaging_keys_secret_is_in_the_stack_and_retained(template: Template) -> None:
    logical = secret_id(template, "messaging_keys")

    secret = template.to_json()["Resources"][logical]
    assert secret["DeletionPolicy"] == "Retain"


# ---- functions --------------------------------------------------------------------------------


def test_the_worker_reads_its_queue_with_its_instances_reserved(template: Template) -> None:
    function_logical, props = function_of(template, WORKER)
    [mapping] = template.find_resources(
        "AWS::Lambda::EventSourceMapping",
        {"Properties": {"FunctionName": {"Ref": function_logical}}},
    ).values()
    assert WORKER.queue_source is not None

    # the stage's concurrency (conftest), not the spec's
    assert props["ReservedConcurrentExecutions"] == CONCURRENCY[WORKER.logical]
    # pollers never outnumber the reserved instances, so SQS never has a message throttled
    assert mapping["Properties"]["ScalingConfig"] == {
        "MaximumConcurrency": CONCURRENCY[WORKER.logical]
    }
    assert mapping["Properties"]["EventSourceArn"] == {
        "Fn::GetAtt": [queue_id(template, "notification_queue"), "Arn"]
    }


def test_the_notification_api_is_behind_iam_and_its_url_is_an_output(template: Template) -> None:
    [api_logical] = template.find_resources(
        "AWS::ApiGateway::RestApi", {"Properties": {"Name": API.physical_name(STAGE)}}
    )
    methods = [
        m["Properties"]
        for m in template.find_resources("AWS::ApiGateway::Method").values()
        if m["Properties"]["RestApiId"] == {"Ref": api_logical}
    ]
    outputs = template.to_json()["Outputs"]

    assert [m["AuthorizationType"] for m in methods] == ["AWS_IAM", "AWS_IAM"]
    assert {"Ref": api_logical} in outputs[resources.api_url_output_key(API.logical)]["Value"][
        "Fn::Join"
    ][1]


def test_the_cli_finds_every_communication_resource_in_the_outputs(template: Template) -> None:
    outputs = template.to_json()["Outputs"]
    tables, queues, secrets = resources.for_owner(SERVICE)
    functions = [f for f in resources.FUNCTIONS if f.service == SERVICE]

    names = {spec.logical: spec.physical_name(STAGE) for spec in (*tables, *queues, *secrets)}
    names |= {spec.logical: spec.physical_name(STAGE) for spec in functions}

    assert {logical: outputs[resources.output_key(logical)]["Value"] for logical in names} == names
    assert "NotificationApiUrl" in outputs


# ---- least privilege --------------------------------------------------------------------------


def test_the_api_cannot_read_the_messaging_keys_or_deliver(template: Template) -> None:
    allowed = actions_by_resource(template, API)
    actions = _actions(template, API)

    assert secret_id(template, "messaging_keys") not in allowed
    assert not {a for a in actions if a.split(":")[0] in ("ses", "sms-voice", "events")}


def test_the_worker_sends_to_its_own_queue_and_never_the_campaign_queue(
    template: Template,
) -> None:
    allowed = actions_by_resource(template, WORKER)
    campaign_queue = resources.queue("delivery").physical_name(STAGE)

    sendable = {rid for rid, actions in allowed.items() if "sqs:SendMessage" in actions}

    # its own, because a notification deferred by quiet hours is queued again with a delay
    assert sendable == {queue_id(template, "notification_queue")}
    assert campaign_queue not in str(statements_of(template, WORKER))


def test_the_api_shows_attempts_but_cannot_write_the_attempt_ledger(template: Template) -> None:
    ledger = actions_by_resource(template, API)[table_id(template, "notification_attempts")]

    assert "dynamodb:Query" in ledger
    assert not {"dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"} & ledger


def test_the_dlq_monitor_cannot_send_anything(template: Template) -> None:
    actions = _actions(template, DLQ_MONITOR)

    assert not {a for a in actions if a.split(":")[0] in ("ses", "sms-voice", "events")}
    assert "sqs:SendMessage" not in actions
    assert not any(a.startswith("secretsmanager:") for a in actions)


def test_by_default_only_the_worker_publishes_on_the_default_bus_under_its_own_source(
    template: Template,
) -> None:
    publishing = [
        s for s in statements_of(template, WORKER) if "events:PutEvents" in str(s["Action"])
    ]

    assert publishing == [
        {
            "Action": "events:PutEvents",
            "Condition": {"StringEquals": {"events:source": "tctfmsg.communication"}},
            "Effect": "Allow",
            "Resource": publishing[0]["Resource"],
        }
    ]
    assert actions_by_resource(template, WORKER)[DEFAULT_BUS] == {"events:PutEvents"}
    assert "events:PutEvents" not in _actions(template, API) | _actions(template, DLQ_MONITOR)


@pytest.mark.parametrize(
    ("bus", "granted"),
    [
        ("orders", DEFAULT_BUS.replace("/default", "/orders")),
        (
            "arn:aws:events:eu-west-1:111122223333:event-bus/shared",
            "arn:aws:events:eu-west-1:111122223333:event-bus/shared",
        ),
        ("", None),  # the stage publishes no status events
    ],
    ids=["named", "arn", "none"],
)
def test_the_worker_publishes_on_the_bus_its_stage_names_and_nowhere_else(
    tmp_path: Path, bus: str, granted: str | None
) -> None:
    settings = json.dumps({**STAGE_SETTINGS, "status_event_bus": bus})
    app = cdk.App(context={**OFFLINE, "settings": settings}, outdir=str(tmp_path))
    template = Template.from_stack(CommunicationStack(app, stage=STAGE))

    allowed = actions_by_resource(template, WORKER)
    publishing = {rid for rid, actions in allowed.items() if "events:PutEvents" in actions}

    assert publishing == ({granted} if granted else set())
    _, props = function_of(template, WORKER)
    assert props["Environment"]["Variables"]["TCTFMSG_STATUS_EVENT_BUS"] == bus


def test_the_worker_may_only_send_text_messages_from_this_accounts_sms_resources(
    template: Template,
) -> None:
    sms = {
        resource: actions
        for resource, actions in actions_by_resource(template, WORKER).items()
        if ":sms-voice:" in resource
    }

    assert all(actions == {"sms-voice:SendTextMessage"} for actions in sms.values())
    prefix = "arn:<AWS::Partition>:sms-voice:<AWS::Region>:<AWS::AccountId>:"
    assert sorted(sms) == sorted(
        f"{prefix}{kind}/*"
        for kind in (
            "phone-number",
            "pool",
            "sender-id",
            "configuration-set",
            "protect-configuration",
        )
    )


# ---- deployment -------------------------------------------------------------------------------


def test_api_gateways_logging_role_is_set_once_by_the_shared_stack(
    templates: dict[str, Template],
) -> None:
    accounts = {
        owner: len(template.find_resources("AWS::ApiGateway::Account"))
        for owner, template in templates.items()
    }

    assert accounts == {owner: int(owner == resources.SHARED) for owner in resources.OWNERS}


def test_only_a_queue_fed_function_can_have_its_instances_reserved() -> None:
    class Careless(CommunicationStack):
        reserved = ("notification_api",)  # no queue source: nothing bounds its instances

    with pytest.raises(KeyError, match="notification_api"):
        Careless(cdk.App(context=OFFLINE), stage=STAGE)
