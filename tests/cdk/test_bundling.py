"""The local bundler: pip wheels for the Lambda's platform, then the packages; no Docker."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from cdk.components.bundling import (
    _PIP_PLATFORMS,
    REPO_ROOT,
    LocalPipBundling,
    lambda_requirements,
)
from cdk.components.python_function import ARCHITECTURE, RUNTIME


class _RecordingRun:
    def __init__(self) -> None:
        self.commands: list[list[str]] = []

    def __call__(self, command: list[str], **kwargs: Any) -> None:
        assert kwargs.get("check") is True  # a failed pip must fail the synth
        self.commands.append(command)


def _bundler(run: _RecordingRun) -> LocalPipBundling:
    return LocalPipBundling(
        requirements=["pydantic>=2.6,<3"],
        platforms=_PIP_PLATFORMS[ARCHITECTURE.name],
        python_version=RUNTIME.name.removeprefix("python"),
        run=run,
    )


def test_dependencies_are_the_librarys_minus_the_local_emulator() -> None:
    declared = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    local = [r for r in declared if r.startswith(("moto", "pybars3"))]

    requirements = lambda_requirements()

    assert len(local) == 2 and not set(local) & set(requirements)
    assert sorted(requirements + local) == sorted(declared)


def test_pip_fetches_wheels_only_for_the_lambda_platform_and_python(tmp_path: Path) -> None:
    run = _RecordingRun()

    assert _bundler(run).try_bundle(str(tmp_path)) is True

    [command] = run.commands
    assert command[1:4] == ["-m", "pip", "install"]
    assert command[command.index("--target") + 1] == str(tmp_path)
    platforms = [command[i + 1] for i, arg in enumerate(command) if arg == "--platform"]
    assert platforms == list(_PIP_PLATFORMS[ARCHITECTURE.name])
    assert command[command.index("--python-version") + 1] == RUNTIME.name.removeprefix("python")
    assert "--only-binary=:all:" in command
    assert command[-1] == "pydantic>=2.6,<3"


def test_bundle_holds_the_packages_without_bytecode(tmp_path: Path) -> None:
    _bundler(_RecordingRun()).try_bundle(str(tmp_path))

    assert (tmp_path / "tctfmsg" / "core" / "resources.py").is_file()
    assert (tmp_path / "lambdas" / "__init__.py").is_file()
    assert (tmp_path / "templates" / "registry.toml").is_file()
    assert not list(tmp_path.rglob("__pycache__"))


def test_docker_fallback_runs_the_same_pip_install() -> None:
    bundler = _bundler(_RecordingRun())

    script = bundler.docker_script()

    assert script.startswith("pip ")
    for arg in bundler.pip_arguments("/asset-output"):
        assert f"'{arg}'" in script
    assert script.endswith(
        "cp -r /asset-input/tctfmsg /asset-input/lambdas /asset-input/templates /asset-output/"
    )
