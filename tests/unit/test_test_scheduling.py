"""The CI's two pytest-xdist workers: every e2e test in one unit of work (one worker, one
embedded stack, in order), every other file a unit of its own."""

from __future__ import annotations

from tests.conftest import pytest_xdist_make_scheduler


class _TwoWorkers:
    """What the scheduler reads of the controller's config: `-n 2`."""

    def getvalue(self, name: str) -> object:
        return ["2*popen"] if name == "tx" else None


def test_every_e2e_test_is_one_unit_and_other_tests_go_by_file() -> None:
    scheduler = pytest_xdist_make_scheduler(_TwoWorkers(), log=None)  # type: ignore[arg-type]
    split = scheduler._split_scope

    assert split("tests/e2e/test_chat.py::test_a") == "tests/e2e"
    assert split("tests/e2e/test_demo.py::test_b[x]") == "tests/e2e"
    assert split("tests/unit/core/test_lazy.py::test_c") == "tests/unit/core/test_lazy.py"
    assert split("tests/cdk/test_app.py::test_d") == "tests/cdk/test_app.py"
    assert split("tests/e2e_like/test_x.py::test_e") == "tests/e2e_like/test_x.py"
