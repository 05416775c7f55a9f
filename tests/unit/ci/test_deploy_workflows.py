"""Each stack has its own deployment workflow that deploys it alone, through OIDC only, with an
approval before prod, triggered by a change to what the stack ships (docs/decisions/0089)."""

from __future__ import annotations

import re

import pytest

from cdk.components.python_function import RUNTIME
from tctfmsg.core import resources
from tests.support import workflows as wf
from tests.support.workflows import REPO

STAGES = ("dev", "prod")
AWS_KEYS = re.compile(
    r"aws-access-key-id|aws-secret-access-key|aws-session-token|"
    r"AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY|AWS_SESSION_TOKEN",
    re.IGNORECASE,
)
SERVICES = tuple(owner for owner in resources.OWNERS if owner != resources.SHARED)


def job_of(stage: str, command: str) -> dict:
    """The pipeline's one job that runs `command` against `stage`."""
    found = [
        job
        for job in wf.pipeline()["jobs"].values()
        if job.get("environment") in (stage, f"{stage}-diff") and wf.steps_running(job, command)
    ]
    assert len(found) == 1, f"expected one job running {command!r} on {stage}, got {len(found)}"
    return found[0]


def test_every_workflow_file_parses_as_a_workflow() -> None:
    documents = wf.all_workflows()
    assert wf.PIPELINE in documents
    for name, document in documents.items():
        assert document.get("on"), f"{name}: no trigger"
        assert document.get("jobs"), f"{name}: no jobs"


def test_each_stack_has_exactly_one_workflow_named_for_it() -> None:
    by_stack = wf.stack_workflows()
    assert set(by_stack) == {wf.stack_suffix(owner) for owner in resources.OWNERS}
    for suffix, workflow in by_stack.items():
        assert workflow.name == f"deploy-{suffix}.yml"


@pytest.mark.parametrize("stage", STAGES)
@pytest.mark.parametrize("owner", resources.OWNERS)
def test_the_deploy_and_the_diff_name_only_the_workflows_own_stack(owner: str, stage: str) -> None:
    workflow = wf.stack_workflows()[wf.stack_suffix(owner)]
    for command in ("cdk deploy", "cdk diff"):
        job = job_of(stage, command)
        stack = wf.resolve(job["env"]["STACK"], workflow.inputs)
        assert stack == resources.stack_name(stage, owner)
        for line in wf.steps_running(job, command):
            assert '"$STACK" --exclusively' in line, line
            assert "--all" not in line and "*" not in line, line


def test_no_workflow_deploys_anything_but_one_named_stack() -> None:
    for name, document in wf.all_workflows().items():
        for job in document["jobs"].values():
            for line in wf.steps_running(job, "cdk deploy"):
                assert re.search(r'cdk deploy --app cdk\.out "\$STACK" --exclusively', line), (
                    f"{name}: {line}"
                )


def test_aws_is_reached_by_oidc_role_assumption_and_never_by_keys() -> None:
    for name in wf.all_workflows():
        text = (wf.WORKFLOWS / name).read_text(encoding="utf-8")
        assert not AWS_KEYS.search(text), f"{name} mentions AWS keys"
    assuming = 0
    for job in wf.pipeline()["jobs"].values():
        for step in wf.uses_steps(job, "aws-actions/configure-aws-credentials"):
            assuming += 1
            role = step["with"]["role-to-assume"]
            assert re.fullmatch(r"\$\{\{ vars\.AWS_[A-Z]+_ROLE_ARN \}\}", role), role
            assert job["permissions"]["id-token"] == "write"
            # The token's subject then names the environment, which the role's trust pins.
            assert job.get("environment")
    assert assuming == 3  # dev deploy, prod diff, prod deploy


def test_only_the_jobs_that_assume_a_role_may_mint_an_oidc_token() -> None:
    pipeline = wf.pipeline()
    assert pipeline["permissions"] == {"contents": "read"}
    for job in pipeline["jobs"].values():
        if not wf.uses_steps(job, "aws-actions/configure-aws-credentials"):
            assert "id-token" not in job.get("permissions", {})
    for workflow in wf.stack_workflows().values():
        assert workflow.document["permissions"] == {"contents": "read"}
        (caller,) = workflow.document["jobs"].values()
        # A called workflow gets no more than its caller's job grants.
        assert caller["permissions"] == {"contents": "read", "id-token": "write"}


def test_prod_is_deployed_after_dev_and_its_diff_and_waits_for_its_reviewers() -> None:
    jobs = wf.pipeline()["jobs"]
    by_environment = {job.get("environment"): name for name, job in jobs.items()}
    deploy_prod = jobs[by_environment["prod"]]
    diff_prod = jobs[by_environment["prod-diff"]]
    assert deploy_prod["needs"] == by_environment["prod-diff"]
    assert diff_prod["needs"] == by_environment["dev"]
    prod_roles = {
        step["with"]["role-to-assume"]
        for job in (deploy_prod, diff_prod)
        for step in wf.uses_steps(job, "aws-actions/configure-aws-credentials")
    }
    assert len(prod_roles) == 2, "the diff before approval must not hold the deploy role"
    assert "--method template" in " ".join(wf.steps_running(diff_prod, "cdk diff"))


def test_deploys_run_from_main_only_and_never_for_a_pull_request() -> None:
    jobs = wf.pipeline()["jobs"]
    first = job_of("dev", "cdk deploy")
    assert "github.event_name != 'pull_request'" in first["if"]
    assert "github.ref == 'refs/heads/main'" in first["if"]
    for job in jobs.values():
        # A job that needs a skipped job is skipped, unless its condition says always().
        assert "always()" not in str(job.get("if", ""))
    for workflow in wf.stack_workflows().values():
        assert workflow.document["on"]["push"]["branches"] == ["main"]


def test_one_deploy_at_a_time_per_stack_and_stage_none_cancelled() -> None:
    for stage in STAGES:
        job = job_of(stage, "cdk deploy")
        assert job["concurrency"]["cancel-in-progress"] is False
        assert job["concurrency"]["group"] == f"tctfmsg-{stage}-${{{{ inputs.stack }}}}"


def test_each_stage_is_synthesized_checked_by_cfn_lint_and_deployed_as_synthesized() -> None:
    jobs = wf.pipeline()["jobs"].values()
    synth = next(job for job in jobs if wf.steps_running(job, "cdk synth"))
    assert set(synth["strategy"]["matrix"]["stage"]) == set(STAGES)
    assert wf.steps_running(synth, 'cfn-lint "cdk/cdk.out/$STACK.template.json"')
    for owner in resources.OWNERS:
        inputs = wf.stack_workflows()[wf.stack_suffix(owner)].inputs
        for stage in STAGES:
            stack = wf.resolve(synth["env"]["STACK"], inputs, stage=stage)
            assert stack == resources.stack_name(stage, owner)
    for stage in STAGES:
        (download,) = wf.uses_steps(job_of(stage, "cdk deploy"), "actions/download-artifact")
        assert download["with"]["name"] == f"cdk-out-{stage}"


def test_every_job_has_a_time_limit() -> None:
    for job in wf.pipeline()["jobs"].values():
        assert 0 < job["timeout-minutes"] <= 60


@pytest.mark.parametrize("owner", resources.OWNERS)
def test_the_tests_a_workflow_runs_exist(owner: str) -> None:
    paths = wf.stack_workflows()[wf.stack_suffix(owner)].inputs["tests"].split()
    assert paths
    for path in paths:
        assert (REPO / path).exists(), f"{owner}'s workflow runs {path}, which does not exist"
    stack_tests = [p for p in paths if p.startswith("tests/cdk/")]
    assert stack_tests, f"{owner}'s workflow runs none of the CDK tests"


@pytest.mark.parametrize("owner", resources.OWNERS)
def test_a_change_to_what_a_stack_ships_or_is_built_from_triggers_its_workflow(owner: str) -> None:
    workflow = wf.stack_workflows()[wf.stack_suffix(owner)]
    files = wf.shipped_and_built_from(owner)
    assert f"cdk/stacks/{owner}.py" in files
    ours = {"cdk/app.py", "cdk/cdk.json", "pyproject.toml", f".github/workflows/{workflow.name}"}
    ours.add(f".github/workflows/{wf.PIPELINE}")
    if any(path.startswith("tctfmsg/rendering/") for path in files):
        ours.add("templates/newsletter.mustache")  # rendering reads the templates folder
    missed = sorted(path for path in files | ours if not workflow.triggered_by(path))
    assert not missed, f"{workflow.name} ignores changes to {missed}"
    assert workflow.document["on"]["pull_request"]["paths"] == workflow.push_paths


@pytest.mark.parametrize("owner", SERVICES)
def test_a_change_to_one_services_code_triggers_only_its_own_workflow(owner: str) -> None:
    own = [
        str(path.relative_to(REPO))
        for folder in (REPO / "tctfmsg" / owner, REPO / "lambdas" / owner)
        for path in folder.rglob("*.py")
    ]
    own.append(f"cdk/stacks/{owner}.py")
    assert len(own) > 3
    for suffix, workflow in wf.stack_workflows().items():
        triggered = [path for path in own if workflow.triggered_by(path)]
        if suffix == wf.stack_suffix(owner):
            assert triggered == own
        else:
            assert not triggered, f"{workflow.name} runs on {owner}'s {triggered[:3]}"


def test_a_change_to_the_shared_kernel_triggers_every_workflow() -> None:
    for workflow in wf.stack_workflows().values():
        assert workflow.triggered_by("tctfmsg/core/resources.py")
        assert workflow.triggered_by("cdk/components/nag.py")


def test_path_filters_read_as_github_reads_them() -> None:
    assert wf.matches("tctfmsg/core/**", "tctfmsg/core/specs/campaigns.py")
    assert wf.matches("cdk/stacks/*.py", "cdk/stacks/shared.py")
    assert not wf.matches("cdk/stacks/*.py", "cdk/stacks/sub/shared.py")
    assert not wf.matches("tctfmsg/core/**", "tctfmsg/corex/a.py")
    assert not wf.matches("lambdas/campaigns/**", "lambdas/communication/api.py")


def test_the_job_that_synthesizes_has_the_lambda_runtimes_python_for_the_bundles_bytecode() -> None:
    pipeline = wf.pipeline()
    (synth,) = [job for job in pipeline["jobs"].values() if wf.steps_running(job, "cdk synth")]
    env = {**pipeline.get("env", {}), **synth.get("env", {})}
    runtime = RUNTIME.name.removeprefix("python")  # what the bundler looks for: python3.14
    steps = synth["steps"]
    (setup,) = wf.uses_steps(synth, "actions/setup-python")
    versions = _env(str(setup["with"]["python-version"]), env).split()
    synth_at = next(i for i, step in enumerate(steps) if "cdk synth" in str(step.get("run", "")))

    assert runtime in versions
    assert versions[-1] == env["PYTHON_VERSION"]  # `python`, what installs and runs the app
    assert steps.index(setup) < synth_at
    checks = [
        i
        for i, step in enumerate(steps)
        if _env(str(step.get("run", "")), env).startswith(f"python{runtime} --version")
    ]
    assert checks and checks[0] < synth_at, "the synth must stop if python3.14 is missing"


def _env(text: str, env: dict[str, str]) -> str:
    """`${{ env.X }}` and "$X" as the runner expands them, from the workflow's env."""
    text = re.sub(r"\$\{\{\s*env\.(\w+)\s*\}\}", lambda m: str(env[m.group(1)]), text)
    return re.sub(r'"?\$(\w+)"?', lambda m: str(env.get(m.group(1), m.group(0))), text).strip()
