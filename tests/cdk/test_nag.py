"""cdk-nag's AWS Solutions checks run on the whole app and every finding left is acknowledged."""

from __future__ import annotations

import json
from pathlib import Path

import aws_cdk as cdk
import pytest
from aws_cdk import aws_sqs as sqs
from cdk_nag import AwsSolutionsChecks

from cdk.app import build_app
from cdk.components.nag import acknowledge
from cdk.components.secret_rotation import NO_TIMED_ROTATION, no_rotation_reason
from tctfmsg.core import resources
from tctfmsg.core.errors import ConfigurationError

from .conftest import OFFLINE, STAGE


def test_aws_solutions_checks_find_no_unacknowledged_error(app: cdk.App) -> None:
    report = AwsSolutionsChecks(app).validate_scope(app)

    errors = [f"{v.rule_name}: {v.description}" for v in report.violations if v.severity == "error"]
    assert errors == []


def test_synth_fails_on_a_finding_nobody_acknowledged(tmp_path: Path) -> None:
    app = build_app(OFFLINE, outdir=str(tmp_path))
    stack = cdk.Stack.of(app.node.find_child(resources.stack_name(STAGE, "campaigns")))
    sqs.Queue(stack, "Careless")  # no SSL enforcement, no dead-letter queue

    with pytest.raises(RuntimeError, match=r"(?i)validation ?failed"):
        app.synth()

    report = json.loads((tmp_path / "validation-report.json").read_text())
    flagged = {
        violation["ruleName"]
        for plugin in report["pluginReports"]
        for violation in plugin["violations"]
        if any("/Careless/" in c["constructPath"] for c in violation["violatingConstructs"])
    }
    assert {"AwsSolutions-SQS3", "AwsSolutions-SQS4"} <= flagged


def test_a_finding_cannot_be_acknowledged_without_a_reason() -> None:
    app = cdk.App()

    with pytest.raises(ValueError, match="reason"):
        acknowledge(app, "AwsSolutions-SQS4", "ok")


def test_every_secret_says_why_it_does_not_rotate_and_a_new_one_must() -> None:
    assert set(NO_TIMED_ROTATION) == {secret.logical for secret in resources.SECRETS}

    with pytest.raises(ConfigurationError, match="no reason for not rotating"):
        no_rotation_reason("a_secret_nobody_reviewed")
