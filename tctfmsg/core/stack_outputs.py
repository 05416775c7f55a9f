"""Finds a deployed stage's resource names from its CloudFormation outputs, cached on disk."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError

from tctfmsg.core import resources
from tctfmsg.core.errors import ConfigurationError
from tctfmsg.core.specs.user_messages import MANAGEMENT_URL_OUTPUT

ENDPOINT_OUTPUTS = (
    MANAGEMENT_URL_OUTPUT,
    # the public HTTP API of each service that serves http_routes (unsubscribe, webhooks)
    *(
        resources.public_url_output_key(service)
        for service in resources.SERVICES
        if any(f.http_routes for f in resources.FUNCTIONS if f.service == service)
    ),
)


def discover(stage: str, cloudformation: Any, cache_file: Path) -> dict[str, str]:
    if cache_file.exists():
        cached: dict[str, str] = json.loads(cache_file.read_text())
        return cached
    names: dict[str, str] = {}
    found_any = False
    for owner in resources.OWNERS:  # the shared stack and one stack per service
        outputs = _outputs(cloudformation, resources.stack_name(stage, owner))
        found_any |= outputs is not None
        for key, value in (outputs or {}).items():
            names[key] = value
    if not found_any:
        raise ConfigurationError(
            f"no tctfmsg stacks are deployed for stage {stage!r}",
            "deploy them with `cdk deploy` from cdk/, or pass --local for the embedded stack",
        )
    by_logical = {
        spec.logical: names[resources.output_key(spec.logical)]
        for specs in (resources.TABLES, resources.QUEUES, resources.SECRETS, resources.FUNCTIONS)
        for spec in specs
        if resources.output_key(spec.logical) in names
    }
    # endpoints a client needs beyond names (the chat API's management URL), by output key
    by_logical |= {key: names[key] for key in ENDPOINT_OUTPUTS if key in names}
    cache_file.parent.mkdir(parents=True, exist_ok=True)
    cache_file.write_text(json.dumps(by_logical, indent=2))
    return by_logical


def _outputs(cloudformation: Any, stack: str) -> dict[str, str] | None:
    try:
        described = cloudformation.describe_stacks(StackName=stack)["Stacks"][0]
    except ClientError as exc:
        if exc.response["Error"]["Code"] == "ValidationError":  # the stack does not exist
            return None
        raise
    return {o["OutputKey"]: o["OutputValue"] for o in described.get("Outputs", [])}
