"""Reading the deployment workflows as GitHub reads them: YAML files under .github/workflows,
path filters with GitHub's glob rules, callers' inputs put into the reusable pipeline."""

from __future__ import annotations

import ast
import re
import shutil
import sys
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from tctfmsg.core import resources

REPO = Path(__file__).resolve().parents[2]
WORKFLOWS = REPO / ".github" / "workflows"
PIPELINE = "_stack-pipeline.yml"
PIPELINE_REF = f"./.github/workflows/{PIPELINE}"
PACKAGES = ("tctfmsg", "lambdas", "cdk")  # ours: imports of anything else are dependencies


def tool(name: str) -> str:
    """A dev dependency's command: beside this Python (the venv's bin), else on PATH."""
    beside_python = Path(sys.executable).parent / name
    found = str(beside_python) if beside_python.is_file() else shutil.which(name)
    if found is None:
        pytest.fail(f"{name} is not installed: it is a dev dependency (pip install -e '.[dev]')")
    return found


def load(path: Path) -> dict[str, Any]:
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(document, dict), f"{path.name}: not a mapping"
    # YAML 1.1 reads the bare key `on` as True; GitHub reads it as "on".
    if True in document:
        document["on"] = document.pop(True)
    return document


@cache
def all_workflows() -> dict[str, dict[str, Any]]:
    return {path.name: load(path) for path in sorted(WORKFLOWS.glob("*.y*ml"))}


def stack_suffix(owner: str) -> str:
    """What follows `tctfmsg-<stage>-` in the owner's stack name."""
    return resources.stack_name("STAGE", owner).removeprefix("tctfmsg-STAGE-")


@dataclass(frozen=True)
class StackWorkflow:
    name: str
    document: dict[str, Any]
    inputs: dict[str, str]  # what its job passes to the reusable pipeline

    @property
    def push_paths(self) -> list[str]:
        return list(self.document["on"]["push"]["paths"])

    def triggered_by(self, changed: str) -> bool:
        return any(matches(pattern, changed) for pattern in self.push_paths)


def stack_workflows() -> dict[str, StackWorkflow]:
    """Each workflow that calls the pipeline, by the stack suffix it passes."""
    found: dict[str, StackWorkflow] = {}
    for name, document in all_workflows().items():
        for job in document["jobs"].values():
            if job.get("uses") == PIPELINE_REF:
                inputs = {key: str(value) for key, value in job["with"].items()}
                assert inputs["stack"] not in found, f"two workflows deploy {inputs['stack']}"
                found[inputs["stack"]] = StackWorkflow(name, document, inputs)
    return found


def pipeline() -> dict[str, Any]:
    return all_workflows()[PIPELINE]


def resolve(text: str, inputs: dict[str, str], **values: str) -> str:
    """`${{ inputs.X }}` and `${{ matrix.X }}`-style expressions replaced by the given values."""

    def value(match: re.Match[str]) -> str:
        scope, key = match.group(1), match.group(2)
        source = inputs if scope == "inputs" else values
        assert key in source, f"nothing given for {scope}.{key}"
        return source[key]

    return re.sub(r"\$\{\{\s*(inputs|matrix)\.([a-z_-]+)\s*\}\}", value, text)


def steps_running(job: dict[str, Any], command: str) -> list[str]:
    """Every shell line of the job that runs `command` (e.g. "cdk deploy")."""
    lines = []
    for step in job.get("steps", []):
        for line in str(step.get("run", "")).splitlines():
            if re.search(rf"(^|\s){re.escape(command)}\s", line.strip() + " "):
                lines.append(line.strip())
    return lines


def uses_steps(job: dict[str, Any], action: str) -> list[dict[str, Any]]:
    return [s for s in job.get("steps", []) if str(s.get("uses", "")).startswith(action + "@")]


def matches(pattern: str, path: str) -> bool:
    """GitHub's filter globs: `**` crosses folders, `*` and `?` do not."""
    assert not pattern.startswith("!"), "negated path filters are not read here"
    regex = ""
    i = 0
    while i < len(pattern):
        if pattern.startswith("**", i):
            regex += ".*"
            i += 2
        elif pattern[i] == "*":
            regex += "[^/]*"
            i += 1
        elif pattern[i] == "?":
            regex += "[^/]"
            i += 1
        else:
            regex += re.escape(pattern[i])
            i += 1
    return re.fullmatch(regex, path) is not None


def module_file(module: str) -> Path | None:
    if module.split(".")[0] not in PACKAGES:
        return None
    base = REPO.joinpath(*module.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _imported(path: Path) -> set[str]:
    package = ".".join(path.relative_to(REPO).with_suffix("").parts[:-1])
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parent, base]).strip(".")
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
    return names


def import_closure(roots: list[Path]) -> set[Path]:
    """Our files the roots import, directly or not. Parent packages' `__init__.py` files are
    included (Python runs them) but not followed: `cdk/stacks/__init__.py` imports every stack,
    and that does not make one stack's template depend on another's code."""
    seen: set[Path] = set()
    todo = list(roots)
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        seen.add(path)
        for name in _imported(path):
            found = module_file(name)
            if found is not None and found not in seen:
                todo.append(found)
    parents = {
        parent / "__init__.py"
        for path in seen
        for parent in path.relative_to(REPO).parents
        if (REPO / parent / "__init__.py").is_file() and str(parent) != "."
    }
    return seen | {REPO / parent for parent in parents}


def shipped_and_built_from(owner: str) -> set[str]:
    """Repository paths whose change can change what the owner's stack deploys: its stack module
    and the handlers it ships, with everything of ours they import."""
    roots = [REPO / "cdk" / "stacks" / f"{owner}.py"]
    handlers = REPO / "lambdas" / owner
    if handlers.is_dir():
        roots += sorted(handlers.glob("*.py"))
    return {str(path.relative_to(REPO)) for path in import_closure(roots)}
