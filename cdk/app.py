"""The CDK app, built from the resource spec: the shared stack (the email backbone's state and
the templates, deployed once per stage), then one independent stack per service.

    python cdk/app.py [-c stage=NAME] [-c bundling=local]    # synth into cdk/cdk.out
    cd cdk && cdk synth|deploy [-c stage=NAME]               # the same through the CDK CLI

Run directly, Lambda code is not bundled unless `-c bundling=local` is given, so it synthesizes
offline; under the CDK CLI it is bundled (cdk/components/bundling.py), ready to deploy.

The stage comes from context `stage`, else TCTFMSG_STAGE, else "dev". What the stage needs
decided (sender, asset URL, alarm email, concurrency, API throttling) comes from
cdk/stages/<stage>.toml and context (cdk/components/stage_config.py); only "dev" deploys
without them.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

CDK_DIR = Path(__file__).resolve().parent
REPO_ROOT = CDK_DIR.parent
if str(REPO_ROOT) not in sys.path:  # `python cdk/app.py` and `cdk synth` both run this as a script
    sys.path.insert(0, str(REPO_ROOT))

import aws_cdk as cdk  # noqa: E402

from cdk.components.bundling import SKIP  # noqa: E402
from cdk.components.function_settings import function_settings  # noqa: E402
from cdk.components.nag import apply_checks  # noqa: E402
from cdk.components.stage_config import KEYS as STAGE_KEYS  # noqa: E402
from cdk.components.stage_config import stage_config, with_stage_file  # noqa: E402
from cdk.stacks import STACKS, SharedStack  # noqa: E402
from tctfmsg.core import settings  # noqa: E402
from tctfmsg.core.errors import ConfigurationError  # noqa: E402

DEFAULT_STAGE = "dev"


def build_app(context: Mapping[str, Any] | None = None, *, outdir: str | None = None) -> cdk.App:
    app = cdk.App(context=dict(context or {}), outdir=outdir)
    stage = stage_of(app)
    # The stage file under the context (given here, by the CDK CLI or cdk.json), set while the
    # app has no children yet, so everything below reads one context.
    given = {key: app.node.try_get_context(key) for key in STAGE_KEYS}
    for key, value in with_stage_file(stage, given).items():
        app.node.set_context(key, value)
    # before any stack: a bad or missing value is one line, not a traceback
    function_settings(app)
    stage_config(app, stage)
    shared = SharedStack(app, stage=stage)
    for stack_class in STACKS:
        # Order only: nothing is imported from the shared stack, its names come from the stage.
        stack_class(app, stage=stage).add_stack_dependency(shared, "grants on the shared slice")
    cdk.Tags.of(app).add("project", "tctfmsg")
    cdk.Tags.of(app).add("stage", stage)
    apply_checks(app)
    return app


def stage_of(app: cdk.App) -> str:
    stage = app.node.try_get_context("stage") or os.environ.get("TCTFMSG_STAGE") or DEFAULT_STAGE
    # The settings object owns the rule for a valid stage name; the stacks must not disagree.
    return settings.load(stage=str(stage)).stage


def context_from_argv(argv: Sequence[str]) -> dict[str, str]:
    """`-c key=value` pairs, as the CDK CLI takes them, for running this file directly."""
    context: dict[str, str] = {}
    args = iter(argv)
    for arg in args:
        if arg in ("-c", "--context"):
            key, _, value = next(args, "").partition("=")
            if not key or not value:
                raise ConfigurationError("a context option needs KEY=VALUE", "e.g. -c stage=dev")
            context[key] = value
    return context


def main(argv: Sequence[str]) -> int:
    under_cli = "CDK_OUTDIR" in os.environ  # `cdk synth|deploy` sets it
    try:
        context = context_from_argv(argv)
        if not under_cli and "bundling" not in context:
            # Run directly, the app is for reading templates offline: no pip, no network.
            context["bundling"] = SKIP
            print("note: code assets not bundled; deploy with the cdk CLI", file=sys.stderr)
        app = build_app(context, outdir=None if under_cli else str(CDK_DIR / "cdk.out"))
    except ConfigurationError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    try:
        app.synth()
    except RuntimeError as exc:  # the validation report has been printed above
        print(f"error: {str(exc).splitlines()[0]}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
