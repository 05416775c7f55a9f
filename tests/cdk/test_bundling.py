"""The local bundler: the locked wheels for the Lambda's platform, then the packages; no Docker."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from cdk.components.bundling import (
    _PIP_PLATFORMS,
    LocalPipBundling,
    compile_arguments,
    without_bytecode,
)
from cdk.components.lambda_bundle import LOCK_FILE, REPO_ROOT
from cdk.components.python_function import ARCHITECTURE, RUNTIME


class _RecordingRun:
    def __init__(self) -> None:
        self.commands: list[list[str]] = []

    def __call__(self, command: list[str], **kwargs: Any) -> None:
        assert kwargs.get("check") is True  # a failed pip must fail the synth
        self.commands.append(command)


def _bundler(run: _RecordingRun, runtime_python: str | None = None) -> LocalPipBundling:
    return LocalPipBundling(
        platforms=_PIP_PLATFORMS[ARCHITECTURE.name],
        python_version=RUNTIME.name.removeprefix("python"),
        run=run,
        find_python=lambda name: runtime_python if name == RUNTIME.name else None,
    )


def test_pip_installs_the_lock_with_hashes_and_resolves_nothing(tmp_path: Path) -> None:
    run = _RecordingRun()

    assert _bundler(run).try_bundle(str(tmp_path)) is True

    command = run.commands[0]
    assert command[1:4] == ["-m", "pip", "install"]
    assert command[command.index("--requirement") + 1] == str(LOCK_FILE)
    assert {"--require-hashes", "--no-deps"} <= set(command)
    assert not [arg for arg in command if "==" in arg or ">=" in arg]  # nothing outside the lock


def test_pip_fetches_wheels_only_for_the_lambda_platform_and_python(tmp_path: Path) -> None:
    run = _RecordingRun()

    _bundler(run).try_bundle(str(tmp_path))

    command = run.commands[0]
    assert command[command.index("--target") + 1] == str(tmp_path)
    platforms = [command[i + 1] for i, arg in enumerate(command) if arg == "--platform"]
    assert platforms == list(_PIP_PLATFORMS[ARCHITECTURE.name])
    assert command[command.index("--python-version") + 1] == RUNTIME.name.removeprefix("python")
    assert "--only-binary=:all:" in command


def test_bundle_holds_the_handlers_library_without_cli_embedded_stack_or_bytecode(
    tmp_path: Path,
) -> None:
    _bundler(_RecordingRun()).try_bundle(str(tmp_path))

    assert (tmp_path / "tctfmsg" / "core" / "resources.py").is_file()
    assert (tmp_path / "lambdas" / "campaigns" / "consumer.py").is_file()
    assert (tmp_path / "templates" / "registry.toml").is_file()
    for absent in ("local", "cli", "samples", "__main__.py"):
        assert not (tmp_path / "tctfmsg" / absent).exists(), absent
    assert (REPO_ROOT / "tctfmsg" / "local").is_dir()  # so the check above means something
    assert not list(tmp_path.rglob("__pycache__"))


def test_bundle_is_compiled_by_the_runtimes_python_without_mtime_checks(tmp_path: Path) -> None:
    run = _RecordingRun()

    _bundler(run, runtime_python="/opt/python3.14/bin/python3.14").try_bundle(str(tmp_path))

    pip, compile_all = run.commands
    assert "--no-compile" in pip  # this machine's Python would write bytecode Lambda ignores
    assert compile_all[:3] == ["/opt/python3.14/bin/python3.14", "-m", "compileall"]
    assert compile_all[compile_all.index("--invalidation-mode") + 1] == "unchecked-hash"
    assert compile_all[-1] == str(tmp_path)


def test_without_the_runtimes_python_the_bundle_ships_sources_and_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run = _RecordingRun()

    _bundler(run, runtime_python=None).try_bundle(str(tmp_path))

    assert len(run.commands) == 1  # pip only
    said = capsys.readouterr().err.splitlines()
    assert said == [without_bytecode(RUNTIME.name.removeprefix("python"))]  # one line
    assert "WITHOUT bytecode" in said[0] and f"{RUNTIME.name} is not on PATH" in said[0]


def test_with_the_runtimes_python_the_bundle_is_compiled_without_a_word(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run = _RecordingRun()

    _bundler(run, runtime_python="/opt/python/bin/python3.14").try_bundle(str(tmp_path))

    assert run.commands[-1][0] == "/opt/python/bin/python3.14"
    assert capsys.readouterr().err == ""


def test_docker_fallback_runs_the_same_pip_install() -> None:
    bundler = _bundler(_RecordingRun())

    script = bundler.docker_script()

    assert script.startswith("pip ")
    for arg in bundler.pip_arguments("/asset-output", "/asset-input/requirements/lambda.txt"):
        assert f"'{arg}'" in script
    assert (
        "cp -r /asset-input/tctfmsg /asset-input/lambdas /asset-input/templates /asset-output/"
        in script
    )
    assert script.endswith(" ".join(["python", *compile_arguments("/asset-output")]))
