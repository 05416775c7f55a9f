"""Each function's role holds exactly what its spec says it uses, plus what sending takes of
the shared slice if it sends, and nothing beyond that (docs/decisions/0031, 0063)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Template

from cdk.app import build_app
from cdk.components.nag import apply_checks
from cdk.stacks import CommunicationStack
from tctfmsg.core import resources
from tctfmsg.core.specs import user_messages as chat_spec

from .conftest import OFFLINE, STAGE
from .roles import (
    actions_by_resource,
    function_of,
    logical_id,
    queue_id,
    secret_id,
    table_id,
)

WRITE, READ = "dynamodb:PutItem", "dynamodb:GetItem"
SES_ACTIONS = {"ses:SendEmail", "ses:SendRawEmail"}
_ids = {"ids": lambda spec: spec.logical}


def _tables(template: Template, service: resources.Service) -> dict[str, str]:
    """Every table a function of service could be granted: its service's and the shared ones."""
    mine = (service, resources.SHARED)
    return {t.logical: table_id(template, t.logical) for t in resources.TABLES if t.owner in mine}


def _with(allowed: dict[str, set[str]], ids: dict[str, str], action: str) -> set[str]:
    return {logical for logical, rid in ids.items() if action in allowed.get(rid, set())}


_IN_ACCOUNT = "arn:<AWS::Partition>:{service}:<AWS::Region>:<AWS::AccountId>:{resource}"
# What a stack grants beyond the spec (docs/decisions/0071, 0073): the notification worker
# publishes status events on the default bus and sends SMS from the account's origination
# identities; chat's pushing functions post to the WebSocket API's connections, and the one that
# presigns uses the attachments bucket (both named by logical id: see _beyond_the_spec).
BEYOND_THE_SPEC = {
    "notification_worker": {
        _IN_ACCOUNT.format(service="events", resource="event-bus/default"),
        *(
            _IN_ACCOUNT.format(service="sms-voice", resource=f"{kind}/*")
            for kind in (
                "phone-number",
                "pool",
                "sender-id",
                "configuration-set",
                "protect-configuration",
            )
        ),
    }
}


_CHAT_PUSHERS = {"chat_default", "chat_scheduler"}
_CHAT_PRESIGNERS = {"chat_default"}


def _beyond_the_spec(template: Template, spec: resources.FunctionSpec) -> set[str]:
    beyond = set(BEYOND_THE_SPEC.get(spec.logical, set()))
    if spec.logical in _CHAT_PUSHERS:
        name = resources.physical_name(STAGE, chat_spec.WEBSOCKET_API)
        beyond.add(logical_id(template, "AWS::ApiGatewayV2::Api", "Name", name))
    if spec.logical in _CHAT_PRESIGNERS:
        name = resources.physical_name(STAGE, chat_spec.ATTACHMENTS_BUCKET)
        beyond.add(logical_id(template, "AWS::S3::Bucket", "BucketName", name))
    if spec.logical == "campaign_consumer":  # the SES-hosted campaign templates (0080)
        ses = "arn:<AWS::Partition>:ses:<AWS::Region>:<AWS::AccountId>:template/"
        hosted = template.find_resources("AWS::SES::Template").values()
        beyond |= {ses + t["Properties"]["Template"]["TemplateName"] for t in hosted}
    return beyond


def _invoke_arn(logical: str) -> str:
    name = resources.function(logical).physical_name(STAGE)
    return f"arn:<AWS::Partition>:lambda:<AWS::Region>:<AWS::AccountId>:function:{name}"


@pytest.mark.parametrize("spec", resources.FUNCTIONS, **_ids)
def test_role_reads_and_writes_exactly_the_tables_of_its_spec(
    templates: dict[str, Template], spec: resources.FunctionSpec
) -> None:
    template = templates[spec.service]
    allowed = actions_by_resource(template, spec)
    tables = _tables(template, spec.service)
    grants = spec.grants()

    assert _with(allowed, tables, WRITE) == set(grants.tables_write)
    assert _with(allowed, tables, READ) == set(grants.tables_read) | set(grants.tables_write)


@pytest.mark.parametrize("spec", resources.FUNCTIONS, **_ids)
def test_role_sends_to_the_queues_of_its_spec_and_reads_only_its_source(
    templates: dict[str, Template], spec: resources.FunctionSpec
) -> None:
    template = templates[spec.service]
    allowed = actions_by_resource(template, spec)
    # Another service's queues are not in this stack; that the role names nothing of theirs is
    # test_role_names_nothing_but_its_logs_what_its_spec_grants_and_its_stack_adds.
    own = [q.logical for q in resources.QUEUES if q.owner == spec.service]
    queues = {logical: queue_id(template, logical) for logical in own}

    # and its failed asynchronous invocations to its on-failure queue (0087)
    failures = {spec.on_failure} if spec.on_failure else set()
    assert _with(allowed, queues, "sqs:SendMessage") == set(spec.queues_send) | failures
    source = {spec.queue_source.queue} if spec.queue_source else set()
    assert _with(allowed, queues, "sqs:ReceiveMessage") == source
    assert _with(allowed, queues, "sqs:DeleteMessage") == source


@pytest.mark.parametrize("spec", resources.FUNCTIONS, **_ids)
def test_role_reads_exactly_the_secrets_of_its_spec(
    templates: dict[str, Template], spec: resources.FunctionSpec
) -> None:
    template = templates[spec.service]
    allowed = actions_by_resource(template, spec)
    mine = (spec.service, resources.SHARED)
    secrets = {
        s.logical: secret_id(template, s.logical) for s in resources.SECRETS if s.owner in mine
    }

    assert _with(allowed, secrets, "secretsmanager:GetSecretValue") == set(spec.grants().secrets)


@pytest.mark.parametrize("spec", resources.FUNCTIONS, **_ids)
def test_role_invokes_exactly_the_functions_of_its_spec(
    templates: dict[str, Template], spec: resources.FunctionSpec
) -> None:
    allowed = actions_by_resource(templates[spec.service], spec)

    invocable = {arn for arn, actions in allowed.items() if "lambda:InvokeFunction" in actions}

    assert invocable == {_invoke_arn(logical) for logical in spec.invokes}


@pytest.mark.parametrize("spec", resources.FUNCTIONS, **_ids)
def test_only_a_function_that_sends_email_may_use_ses(
    templates: dict[str, Template], spec: resources.FunctionSpec
) -> None:
    allowed = actions_by_resource(templates[spec.service], spec)

    ses = {a for actions in allowed.values() for a in actions if a.startswith("ses:")}

    assert ses == (SES_ACTIONS if spec.sends_email else set())


@pytest.mark.parametrize("spec", resources.FUNCTIONS, **_ids)
def test_role_names_nothing_but_its_logs_what_its_spec_grants_and_its_stack_adds(
    templates: dict[str, Template], spec: resources.FunctionSpec
) -> None:
    template = templates[spec.service]
    _, props = function_of(template, spec)
    grants = spec.grants()
    expected = {props["LoggingConfig"]["LogGroup"]["Ref"]}
    expected |= {table_id(template, t) for t in (*grants.tables_read, *grants.tables_write)}
    expected |= {queue_id(template, q) for q in spec.queues_send}
    expected |= {queue_id(template, spec.on_failure)} if spec.on_failure else set()
    expected |= {queue_id(template, spec.queue_source.queue)} if spec.queue_source else set()
    expected |= {secret_id(template, s) for s in grants.secrets}
    expected |= {_invoke_arn(f) for f in spec.invokes}
    ses = "arn:<AWS::Partition>:ses:<AWS::Region>:<AWS::AccountId>:"
    expected |= {f"{ses}identity/*", f"{ses}configuration-set/*"} if spec.sends_email else set()
    expected |= _beyond_the_spec(template, spec)

    assert set(actions_by_resource(template, spec)) == expected


# ---- what the spec itself grants: least privilege for each campaign function ---------------


def test_the_consumer_cannot_change_subscribers_or_queue_anything() -> None:
    consumer = resources.function("campaign_consumer")

    assert "subscribers" in consumer.tables_read
    assert "subscribers" not in consumer.tables_write
    assert "list_members" not in (*consumer.tables_read, *consumer.tables_write)
    assert consumer.queues_send == ()
    assert consumer.invokes == ()


def test_only_the_sending_functions_hold_provider_keys_and_send_email() -> None:
    holders = {f.logical for f in resources.FUNCTIONS if "provider_keys" in f.grants().secrets}
    senders = {f.logical for f in resources.FUNCTIONS if f.sends_email}

    assert holders == senders == {"campaign_consumer", "notification_worker"}


def test_the_dlq_monitor_only_records_failures() -> None:
    monitor = resources.function("campaign_dlq_monitor")

    assert set(monitor.tables_write) == {"campaigns", "deliveries", "failed_messages"}
    assert (monitor.tables_read, monitor.queues_send, monitor.secrets, monitor.invokes) == (
        (),
        (),
        (),
        (),
    )
    assert not monitor.sends_email


def test_the_api_can_start_the_scheduler_but_not_send_or_read_subscribers() -> None:
    api = resources.function("campaign_api")

    assert api.invokes == ("campaign_scheduler",)
    assert not api.sends_email and api.secrets == ()
    assert not {"subscribers", "list_members"} & {*api.tables_read, *api.tables_write}


@pytest.mark.parametrize("spec", resources.FUNCTIONS, **_ids)
def test_everything_a_function_uses_is_its_own_services_or_shared(
    spec: resources.FunctionSpec,
) -> None:
    grants = spec.grants()
    data = [
        *(resources.table(t) for t in (*grants.tables_read, *grants.tables_write)),
        *(resources.queue(q) for q in spec.queues_send),
        *(resources.secret(s) for s in grants.secrets),
    ]

    assert {used.owner for used in data} <= {spec.service, resources.SHARED}
    # another service is reached only through its door (its API function), never an inner one
    others = [
        resources.function(f) for f in spec.invokes if resources.function(f).service != spec.service
    ]
    assert all(other.api for other in others)
    assert not set(spec.tables_read) & set(spec.tables_write)


@pytest.mark.parametrize(
    "uses",
    [{"tables_write": ("no_such_table",)}, {"secrets": ("no_such_secret",)}],
    ids=["unknown-table", "unknown-secret"],
)
def test_a_function_naming_what_its_service_lacks_fails_the_build(
    monkeypatch: pytest.MonkeyPatch, uses: dict[str, tuple[str, ...]]
) -> None:
    careless = replace(resources.function("campaign_dlq_monitor"), **uses)  # type: ignore[arg-type]
    monkeypatch.setattr(resources, "FUNCTIONS", (careless,))

    with pytest.raises(KeyError, match="not in the campaigns part of the spec"):
        build_app(OFFLINE)


def test_invoking_an_inner_function_of_another_service_fails_the_build(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    careless = replace(resources.function("chat_scheduler"), invokes=("notification_worker",))
    functions = tuple(careless if f.logical == "chat_scheduler" else f for f in resources.FUNCTIONS)
    monkeypatch.setattr(resources, "FUNCTIONS", functions)

    with pytest.raises(KeyError, match="invokes an inner function of another service"):
        build_app(OFFLINE)


def test_the_backbones_state_belongs_to_no_service() -> None:
    backbone = {"config", "breakers", "idempotency", "provider_keys", "signing_keys"}

    owners = {
        spec.logical: spec.owner
        for spec in (*resources.TABLES, *resources.SECRETS)
        if spec.logical in backbone
    }

    assert owners == dict.fromkeys(backbone, resources.SHARED)


@pytest.mark.parametrize(
    "spec", [f for f in resources.FUNCTIONS if f.sends_email], ids=lambda spec: spec.logical
)
def test_every_sender_is_granted_what_sending_takes_without_naming_it(
    templates: dict[str, Template], spec: resources.FunctionSpec
) -> None:
    template = templates[spec.service]
    allowed = actions_by_resource(template, spec)

    assert WRITE in allowed[table_id(template, "breakers")]
    assert READ in allowed[table_id(template, "config")]
    assert "secretsmanager:GetSecretValue" in allowed[secret_id(template, "provider_keys")]


def test_a_communication_sender_is_granted_the_shared_breakers_and_provider_keys(
    tmp_path: Path,
) -> None:
    # GIVEN the communication service's transactional worker, which names none of the
    # backbone's state itself
    worker = resources.function("notification_worker")
    assert not {"breakers", "config"} & {*worker.tables_read, *worker.tables_write}
    assert "provider_keys" not in worker.secrets
    app = cdk.App(context=OFFLINE, outdir=str(tmp_path))

    # WHEN the communication stack is built on its own
    stack = CommunicationStack(app, stage=STAGE)
    apply_checks(app)
    app.synth()  # cdk-nag passes
    template = Template.from_stack(stack)

    # THEN its role may use the shared breakers, provider settings, keys, and SES
    allowed = actions_by_resource(template, worker)
    assert {WRITE, READ} <= allowed[table_id(template, "breakers")]
    assert READ in allowed[table_id(template, "config")]
    assert WRITE not in allowed[table_id(template, "config")]
    assert "secretsmanager:GetSecretValue" in allowed[secret_id(template, "provider_keys")]
    assert {a for actions in allowed.values() for a in actions if a.startswith("ses:")} == (
        SES_ACTIONS
    )
