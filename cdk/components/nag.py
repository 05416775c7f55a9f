"""cdk-nag's AWS Solutions checks, and the one way to acknowledge a finding: with a reason."""

from __future__ import annotations

import aws_cdk as cdk
from cdk_nag import AwsSolutionsChecks
from constructs import IConstruct

MIN_REASON_LENGTH = 20


def apply_checks(app: cdk.App) -> None:
    # cdk-nag 3 is a policy-validation plugin: an unacknowledged error fails `synth`.
    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))


def acknowledge(scope: IConstruct, rule: str, reason: str) -> None:
    """Accept one finding (e.g. "AwsSolutions-IAM5[Resource::*]") on scope and what it holds."""
    if len(reason.strip()) < MIN_REASON_LENGTH:
        raise ValueError(f"acknowledging {rule} needs a written reason, got {reason!r}")
    cdk.Validations.of(scope).acknowledge(cdk.Acknowledgment(id=rule, reason=reason))
