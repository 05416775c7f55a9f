"""A stage deploys only as configured (docs/decisions/0087): what it must decide is required
outside dev, comes from its file or context, and reaches the template; queues, asynchronous
invocations and tables follow AWS's advice."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Template

from cdk import app as cdk_app
from cdk.app import build_app
from cdk.components import stage_config, websocket_api
from cdk.components.spec_resources import SpecResources
from cdk.components.stage_config import with_stage_file
from tctfmsg.core import resources
from tctfmsg.core.errors import ConfigurationError

from .conftest import CONCURRENCY, OFFLINE, STAGE, STAGE_SETTINGS, THROTTLING
from .roles import function_of, queue_id

REPO = Path(__file__).resolve().parents[2]
BARE = {"stage": "prod", "bundling": "skip"}
EVERYTHING_MISSING = (
    "stage prod is missing settings.sender, settings.asset_base_url, alarm_email, "
    "concurrency.campaign_consumer, concurrency.notification_worker, throttling.campaign_api, "
    "throttling.notification_api, throttling.campaigns_public, throttling.chat_websocket"
)
# What a stage file gives for every API (cdk/stages/example.toml has the same shape).
THROTTLING_TOML = (
    "[throttling]\n"
    "campaign_api = { rate = 21, burst = 42 }\n"
    "notification_api = { rate = 22, burst = 44 }\n"
    "campaigns_public = { rate = 230, burst = 460 }\n"
    "[throttling.chat_websocket]\nrate = 1500\nburst = 3000\n"
)


# ---- what a stage must decide ---------------------------------------------------------------


def test_a_stage_other_than_dev_without_its_settings_is_refused_naming_each_one() -> None:
    with pytest.raises(ConfigurationError) as refused:
        build_app(BARE)

    assert refused.value.message == EVERYTHING_MISSING
    assert "cdk/stages/prod.toml" in (refused.value.hint or "")


@pytest.mark.parametrize("left_out", ["sender", "asset_base_url"])
def test_each_required_setting_is_required_on_its_own(left_out: str) -> None:
    settings = {k: v for k, v in STAGE_SETTINGS.items() if k != left_out}

    with pytest.raises(ConfigurationError) as refused:
        build_app({**OFFLINE, "settings": settings})

    assert refused.value.message == f"stage {STAGE} is missing settings.{left_out}"


def test_the_alarm_email_and_each_senders_concurrency_are_required() -> None:
    context: dict[str, Any] = {**OFFLINE, "concurrency": {"campaign_consumer": 4}}
    del context["alarm_email"]

    with pytest.raises(ConfigurationError, match=r"missing alarm_email, concurrency\.notif"):
        build_app(context)


def test_dev_deploys_on_the_documented_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(stage_config, "STAGES_DIR", Path("/nonexistent"))

    app = build_app({"stage": "dev", "bundling": "skip"})

    assert app.node.find_child(resources.stack_name("dev", "campaigns"))


def test_running_the_app_on_an_unconfigured_stage_prints_one_line_and_fails(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert cdk_app.main(["-c", "stage=prod"]) == 1

    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith(f"error: {EVERYTHING_MISSING}: set them in cdk/stages/prod.toml")
    assert not any("Traceback" in line for line in err)


def _throttle(**limits: Any) -> dict[str, Any]:
    """The test stage's throttling with campaign_api's limits changed."""
    return {"throttling": {**THROTTLING, "campaign_api": {**THROTTLING["campaign_api"], **limits}}}


def test_each_apis_throttling_is_required_on_its_own() -> None:
    for left_out in THROTTLING:
        throttling = {k: v for k, v in THROTTLING.items() if k != left_out}

        with pytest.raises(ConfigurationError) as refused:
            build_app({**OFFLINE, "throttling": throttling})

        assert refused.value.message == f"stage {STAGE} is missing throttling.{left_out}"


@pytest.mark.parametrize(
    ("change", "refusal"),
    [
        ({"concurrency": {"campaign_api": 2}}, "concurrency names campaign_api"),
        ({"concurrency": {**CONCURRENCY, "campaign_consumer": 0}}, "from 1 to 1000"),
        ({"concurrency": {**CONCURRENCY, "campaign_consumer": 1001}}, "from 1 to 1000"),
        ({"concurrency": {**CONCURRENCY, "campaign_consumer": True}}, "from 1 to 1000"),
        ({"concurrency": {**CONCURRENCY, "campaign_consumer": "5"}}, "from 1 to 1000"),
        ({"concurrency": "[1]"}, "context `concurrency` must be a JSON object"),
        ({"alarm_email": "Ops <ops@example.com>"}, "bare address"),
        ({"alarm_email": "ops@example.com, x@y.z"}, "not exactly one address"),
        ({"settings": {**STAGE_SETTINGS, "asset_base_url": "http://cdn.example.com"}}, "https"),
        ({"settings": {**STAGE_SETTINGS, "unsubscribe_base_url": "ftp://x"}}, "https"),
        ({"settings": {**STAGE_SETTINGS, "sender": "a@b.c\nBcc: x@y.z"}}, "sender"),
        ({"throttling": {**THROTTLING, "chat": {"rate": 1, "burst": 1}}}, "chat, which is not"),
        ({"throttling": {**THROTTLING, "campaign_api": {"rate": 5}}}, "rate and burst only"),
        ({"throttling": {**THROTTLING, "campaign_api": 5}}, "rate and burst only"),
        (_throttle(rate=0), r"campaign_api\.rate must be a number"),
        (_throttle(rate=10_001), r"campaign_api\.rate must be a number"),
        (_throttle(rate=True), r"campaign_api\.rate must be a number"),
        (_throttle(rate="20"), r"campaign_api\.rate must be a number"),
        (_throttle(burst=0), r"campaign_api\.burst must be a whole number from 1 to 5000"),
        (_throttle(burst=5_001), r"campaign_api\.burst must be a whole number"),
        (_throttle(burst=2.5), r"campaign_api\.burst must be a whole number"),
        ({"throttling": "[1]"}, "context `throttling` must be a JSON object"),
    ],
    ids=[
        "not-queue-fed",
        "zero",
        "over-lambdas-cap",
        "bool",
        "string",
        "not-an-object",
        "display-name",
        "two-addresses",
        "plain-http-assets",
        "odd-unsubscribe-url",
        "header-injection",
        "throttling-not-an-api",
        "throttling-without-burst",
        "throttling-not-a-table",
        "rate-zero",
        "rate-over-the-account",
        "rate-bool",
        "rate-string",
        "burst-zero",
        "burst-over-the-account",
        "burst-fraction",
        "throttling-not-an-object",
    ],
)
def test_a_bad_value_fails_the_synth_with_one_line_naming_it(
    change: dict[str, Any], refusal: str
) -> None:
    with pytest.raises(ConfigurationError, match=refusal):
        build_app({**OFFLINE, **change})


# ---- where a stage's values come from -------------------------------------------------------


def _stage_file(tmp_path: Path, text: str) -> Path:
    (tmp_path / "prod.toml").write_text(text)
    return tmp_path


def test_the_stage_file_gives_every_value_and_context_wins_key_by_key(tmp_path: Path) -> None:
    stages = _stage_file(
        tmp_path,
        'alarm_email = "ops@example.com"\n'
        '[settings]\nsender = "news@example.com"\nasset_base_url = "https://a.example.com"\n'
        "[concurrency]\ncampaign_consumer = 20\nnotification_worker = 5\n",
    )
    context = {"settings": json.dumps({"sender": "promo@example.com"}), "alarm_email": "x@y.io"}

    merged = with_stage_file("prod", context, stages)

    assert merged["settings"] == {
        "sender": "promo@example.com",
        "asset_base_url": "https://a.example.com",
    }
    assert merged["alarm_email"] == "x@y.io"
    assert merged["concurrency"] == {"campaign_consumer": 20, "notification_worker": 5}


def test_the_stage_files_throttling_is_overridden_api_by_api(tmp_path: Path) -> None:
    stages = _stage_file(tmp_path, THROTTLING_TOML)
    context = {"throttling": json.dumps({"campaign_api": {"rate": 5, "burst": 9}})}

    merged = with_stage_file("prod", context, stages)

    assert merged["throttling"] == {
        "campaign_api": {"rate": 5, "burst": 9},
        "notification_api": {"rate": 22, "burst": 44},
        "campaigns_public": {"rate": 230, "burst": 460},
        "chat_websocket": {"rate": 1500, "burst": 3000},
    }


def test_a_configured_stage_file_reaches_the_template(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stages = _stage_file(
        tmp_path,
        'alarm_email = "ops@example.com"\n'
        '[settings]\nsender = "news@example.com"\nasset_base_url = "https://a.example.com"\n'
        "[concurrency]\ncampaign_consumer = 20\nnotification_worker = 5\n" + THROTTLING_TOML,
    )
    monkeypatch.setattr(stage_config, "STAGES_DIR", stages)

    app = build_app(BARE, outdir=str(tmp_path / "out"))

    stack = app.node.find_child(resources.stack_name("prod", "campaigns"))
    template = Template.from_stack(cdk.Stack.of(stack))
    name = resources.function("campaign_consumer").physical_name("prod")
    [(consumer_id, consumer)] = template.find_resources(
        "AWS::Lambda::Function", {"Properties": {"FunctionName": name}}
    ).items()
    assert consumer["Properties"]["Environment"]["Variables"]["TCTFMSG_SENDER"] == (
        "news@example.com"
    )
    [mapping] = template.find_resources(
        "AWS::Lambda::EventSourceMapping", {"Properties": {"FunctionName": {"Ref": consumer_id}}}
    ).values()
    assert mapping["Properties"]["ScalingConfig"] == {"MaximumConcurrency": 20}
    [public] = template.find_resources("AWS::ApiGatewayV2::Stage").values()
    assert public["Properties"]["DefaultRouteSettings"]["ThrottlingRateLimit"] == 230


_AS_THE_CLI_RUNS_IT = """
import json, sys
from pathlib import Path
from cdk.components import stage_config
stage_config.STAGES_DIR = Path(sys.argv[1])
from cdk.app import build_app
app = build_app({"bundling": "skip"}, outdir=sys.argv[2])
print(json.dumps({k: app.node.try_get_context(k) for k in ("stage", "concurrency", "alarm_email")}))
"""


def test_under_the_cdk_cli_its_context_goes_over_the_stage_file(tmp_path: Path) -> None:
    # GIVEN the stage file, and `cdk deploy -c stage=prod -c concurrency=...`, which the CDK CLI
    # hands the app as CDK_CONTEXT_JSON (read by the jsii process: hence a process of its own)
    stages = _stage_file(
        tmp_path,
        'alarm_email = "ops@example.com"\n'
        '[settings]\nsender = "news@example.com"\nasset_base_url = "https://a.example.com"\n'
        "[concurrency]\ncampaign_consumer = 20\nnotification_worker = 5\n" + THROTTLING_TOML,
    )
    cli = {"stage": "prod", "concurrency": json.dumps({"campaign_consumer": 7})}
    env = {**os.environ, "CDK_CONTEXT_JSON": json.dumps(cli), "PYTHONPATH": str(REPO)}

    # WHEN the app is built as the CLI runs it
    done = subprocess.run(
        [sys.executable, "-c", _AS_THE_CLI_RUNS_IT, str(stages), str(tmp_path / "out")],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )

    # THEN the CLI's value wins for what it names, the file gives the rest
    assert json.loads(done.stdout.strip().splitlines()[-1]) == {
        "stage": "prod",
        "concurrency": {"campaign_consumer": 7, "notification_worker": 5},
        "alarm_email": "ops@example.com",
    }


@pytest.mark.parametrize(
    ("text", "refusal"),
    [
        ("alarm_email = [1]\n", "alarm_email must be a string"),
        ('settings = "x"\n', "settings must be a table"),
        ("sender = 'a@b.c'\n", "unknown keys sender"),
        ("[settings\n", "not valid TOML"),
    ],
    ids=["alarm-not-string", "settings-not-table", "misplaced-key", "broken"],
)
def test_a_malformed_stage_file_is_one_line_naming_the_file(
    tmp_path: Path, text: str, refusal: str
) -> None:
    with pytest.raises(ConfigurationError, match=refusal) as refused:
        with_stage_file("prod", {}, _stage_file(tmp_path, text))
    assert "prod.toml" in refused.value.message


# ---- each API's stage throttled as the stage decided ----------------------------------------


def _stage_of(template: Template, kind: str, api_name: str) -> dict[str, Any]:
    """The properties of the one stage of the API named `api_name`."""
    apis = template.find_resources(kind, {"Properties": {"Name": api_name}})
    [api_id] = apis
    key = "RestApiId" if kind == "AWS::ApiGateway::RestApi" else "ApiId"
    stage_kind = "AWS::ApiGateway::Stage" if key == "RestApiId" else "AWS::ApiGatewayV2::Stage"
    [stage] = template.find_resources(stage_kind, {"Properties": {key: {"Ref": api_id}}}).values()
    return stage["Properties"]


@pytest.mark.parametrize("logical", ["campaign_api", "notification_api"])
def test_each_rest_apis_methods_take_the_stages_rate_and_burst(
    templates: dict[str, Template], logical: str
) -> None:
    spec = resources.function(logical)
    name = spec.physical_name(STAGE)
    stage = _stage_of(templates[spec.service], "AWS::ApiGateway::RestApi", name)

    [every_method] = [m for m in stage["MethodSettings"] if m["ResourcePath"] == "/*"]
    assert (every_method["ThrottlingRateLimit"], every_method["ThrottlingBurstLimit"]) == (
        THROTTLING[logical]["rate"],
        THROTTLING[logical]["burst"],
    )


@pytest.mark.parametrize(
    ("owner", "api"), [("campaigns", "campaigns_public"), ("user_messages", "chat_websocket")]
)
def test_the_public_http_and_websocket_apis_default_routes_take_the_stages_rate_and_burst(
    templates: dict[str, Template], owner: str, api: str
) -> None:
    name = resources.physical_name(STAGE, api)
    stage = _stage_of(templates[owner], "AWS::ApiGatewayV2::Api", name)

    routes = stage["DefaultRouteSettings"]
    assert (routes["ThrottlingRateLimit"], routes["ThrottlingBurstLimit"]) == (
        THROTTLING[api]["rate"],
        THROTTLING[api]["burst"],
    )


def test_every_api_of_the_templates_is_one_a_stage_throttles(
    templates: dict[str, Template],
) -> None:
    names = {
        props["Properties"]["Name"]
        for template in templates.values()
        for kind in ("AWS::ApiGateway::RestApi", "AWS::ApiGatewayV2::Api")
        for props in template.find_resources(kind).values()
    }

    assert names == {resources.physical_name(STAGE, api) for api in stage_config.THROTTLED_APIS}


def test_dev_runs_each_api_on_its_components_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(stage_config, "STAGES_DIR", Path("/nonexistent"))

    app = build_app({"stage": "dev", "bundling": "skip"})

    stack = app.node.find_child(resources.stack_name("dev", "user_messages"))
    template = Template.from_stack(cdk.Stack.of(stack))
    name = resources.physical_name("dev", "chat_websocket")
    stage = _stage_of(template, "AWS::ApiGatewayV2::Api", name)
    routes = stage["DefaultRouteSettings"]
    assert (routes["ThrottlingRateLimit"], routes["ThrottlingBurstLimit"]) == (
        websocket_api.RATE_LIMIT,
        websocket_api.BURST_LIMIT,
    )


# ---- queues, asynchronous invocations and tables, as AWS advises ----------------------------


@pytest.mark.parametrize(
    "spec", [f for f in resources.FUNCTIONS if f.queue_source], ids=lambda spec: spec.logical
)
def test_every_source_queue_hides_a_message_six_times_its_function_timeout_plus_the_window(
    templates: dict[str, Template], spec: resources.FunctionSpec
) -> None:
    template = templates[spec.service]
    function_id, props = function_of(template, spec)
    [mapping] = template.find_resources(
        "AWS::Lambda::EventSourceMapping", {"Properties": {"FunctionName": {"Ref": function_id}}}
    ).values()
    assert spec.queue_source is not None
    queue_logical = queue_id(template, spec.queue_source.queue)
    queue = template.to_json()["Resources"][queue_logical]["Properties"]
    window = mapping["Properties"].get("MaximumBatchingWindowInSeconds", 0)

    assert queue["VisibilityTimeout"] >= 6 * props["Timeout"] + window


@pytest.mark.parametrize(
    "spec", [f for f in resources.FUNCTIONS if resources.invoked_async(f)], ids=lambda s: s.logical
)
def test_every_asynchronously_invoked_function_sends_its_failures_to_its_queue(
    templates: dict[str, Template], spec: resources.FunctionSpec
) -> None:
    template = templates[spec.service]
    function_id, _ = function_of(template, spec)
    [config] = template.find_resources(
        "AWS::Lambda::EventInvokeConfig", {"Properties": {"FunctionName": {"Ref": function_id}}}
    ).values()
    assert spec.on_failure is not None

    assert config["Properties"]["DestinationConfig"] == {
        "OnFailure": {"Destination": {"Fn::GetAtt": [queue_id(template, spec.on_failure), "Arn"]}}
    }


def test_tables_are_protected_from_deletion_outside_dev(templates: dict[str, Template]) -> None:
    tables = [
        props["Properties"]
        for template in templates.values()
        for props in template.find_resources("AWS::DynamoDB::Table").values()
    ]

    assert len(tables) == len(resources.TABLES)
    assert all(table["DeletionProtectionEnabled"] is True for table in tables), STAGE


def test_dev_tables_can_be_deleted_with_their_stack() -> None:
    stack = cdk.Stack(cdk.App(context={"bundling": "skip"}), "Dev")
    SpecResources(stack, "Resources", owner="campaigns", stage="dev")

    tables = Template.from_stack(stack).find_resources("AWS::DynamoDB::Table").values()

    assert tables and all(not t["Properties"].get("DeletionProtectionEnabled") for t in tables)


def test_the_example_stage_file_configures_a_stage() -> None:
    app = build_app({"stage": "example", "bundling": "skip"})

    assert app.node.find_child(resources.stack_name("example", "campaigns"))
