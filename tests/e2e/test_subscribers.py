"""The subscriber commands, as an operator runs them, against a running embedded stack."""

import csv
import json
import shutil
from pathlib import Path

FIXTURES = Path(__file__).parents[1] / "fixtures"


def copy(tmp_path: Path, name: str) -> Path:
    return Path(shutil.copy(FIXTURES / name, tmp_path / name))


def import_json(stack, path: Path, *options: str) -> dict:
    result = stack.cli("subscriber", "import", str(path), *options, "--json", check=True)
    return json.loads(result.stdout)


def show(stack, email: str) -> dict:
    return json.loads(stack.cli("subscriber", "show", email, "--json", check=True).stdout)


def test_mailchimp_export_with_bad_rows_is_fully_accounted_for(fresh_stack, tmp_path):
    # a stack of its own: another test imports the same addresses into the shared one
    path = copy(tmp_path, "mailchimp_subscribed.csv")
    report = import_json(fresh_stack, path, "--list", "mc-news")

    assert {k: report[k] for k in ("read", "imported", "duplicates", "rejected")} == {
        "read": 6,
        "imported": 3,
        "duplicates": 1,
        "rejected": 2,
    }
    assert report["read"] == sum(
        report[k] for k in ("imported", "updated", "unchanged", "skipped", "duplicates", "rejected")
    )
    with open(report["reject_file"], newline="", encoding="utf-8") as handle:
        rejected = list(csv.DictReader(handle))
    assert [(r["reject_line"], r["LEID"]) for r in rejected] == [("5", "1003"), ("6", "1004")]
    assert rejected[0]["reject_reason"].startswith("invalid email 'not-an-email'")

    ada = show(fresh_stack, "ADA@example.com")
    assert ada["email"] == "ada@example.com"
    assert ada["attributes"]["tags"] == ["VIP", "Founders"]
    assert ada["attributes"]["notes"] == "Wrote the first\r\nprogram"
    grace = show(fresh_stack, "grace@example.com")
    assert grace["name"] == "Grace B. Hopper"  # the later duplicate merged in
    assert grace["lists"] == ["mc-news"]


def test_mailchimp_unsubscribed_export_suppresses_and_reimport_cannot_resubscribe(stack, tmp_path):
    import_json(stack, copy(tmp_path, "mailchimp_subscribed.csv"), "--list", "mc2")
    report = import_json(stack, copy(tmp_path, "mailchimp_unsubscribed.csv"))
    assert report["updated"] == 1
    assert show(stack, "linus@example.com")["status"] == "unsubscribed"

    import_json(stack, copy(tmp_path, "mailchimp_subscribed.csv"), "--list", "mc2")
    assert show(stack, "linus@example.com")["status"] == "unsubscribed"


def test_listmonk_export_with_bad_rows(stack, tmp_path):
    report = import_json(stack, copy(tmp_path, "listmonk_export.csv"), "--list", "lm")
    assert (report["read"], report["imported"], report["rejected"]) == (5, 3, 2)
    reasons = [r["reason"] for r in report["rejections"]]
    assert reasons[0].startswith("attributes is not valid JSON")
    assert reasons[1].startswith("invalid email 'edsger@@example.com'")
    assert show(stack, "margaret@example.com")["attributes"]["missions"] == 11
    assert show(stack, "dennis@example.com")["status"] == "unsubscribed"


def test_json_lines_import_reports_the_broken_line(stack, tmp_path):
    report = import_json(stack, copy(tmp_path, "subscribers.jsonl"))
    assert (report["imported"], report["rejected"]) == (2, 1)
    assert report["rejections"] == [{"line": 2, "reason": "line is not valid JSON"}]
    assert show(stack, "frances@example.com")["lists"] == ["research"]


def test_dry_run_writes_no_subscriber(stack, tmp_path):
    path = tmp_path / "dry.csv"
    path.write_text("email\ndry-run-only@example.com\n")
    assert import_json(stack, path, "--dry-run")["imported"] == 1
    missing = stack.cli("subscriber", "show", "dry-run-only@example.com")
    assert missing.returncode == 1


def test_list_unsubscribe_and_delete(stack, tmp_path):
    path = tmp_path / "ops.csv"
    path.write_text("email,name\nops1@example.com,One\nops2@example.com,Two\n")
    import_json(stack, path, "--list", "ops")

    listed = json.loads(
        stack.cli("subscriber", "list", "--list", "ops", "--json", check=True).stdout
    )
    assert [s["email"] for s in listed["subscribers"]] == ["ops1@example.com", "ops2@example.com"]
    assert listed["next_cursor"] is None

    stack.cli("subscriber", "unsubscribe", "OPS1@example.com", check=True)
    unsubscribed = json.loads(
        stack.cli(
            "subscriber", "list", "--list", "ops", "--status", "unsubscribed", "--json"
        ).stdout
    )
    assert [s["email"] for s in unsubscribed["subscribers"]] == ["ops1@example.com"]

    stack.cli("subscriber", "delete", "ops2@example.com", check=True)
    remaining = json.loads(stack.cli("subscriber", "list", "--list", "ops", "--json").stdout)
    assert [s["email"] for s in remaining["subscribers"]] == ["ops1@example.com"]


def test_unknown_subscriber_is_one_clear_line(stack):
    result = stack.cli("subscriber", "show", "nobody@example.com")
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "error: no subscriber nobody@example.com — check the address with `tctfmsg subscriber list`"
    ]


def test_missing_import_file_is_one_clear_line(stack, tmp_path):
    result = stack.cli("subscriber", "import", str(tmp_path / "nope.csv"))
    assert result.returncode == 1
    assert "no such file" in result.stderr
    assert "Traceback" not in result.stderr


def test_list_pages_with_a_cursor_over_the_real_table(stack, tmp_path):
    path = tmp_path / "paged.csv"
    path.write_text("email\n" + "".join(f"paged{i:03}@example.com\n" for i in range(250)))
    import_json(stack, path, "--list", "paged")

    def page(*options: str) -> dict:
        args = ("subscriber", "list", "--list", "paged", "--limit", "100", *options, "--json")
        return json.loads(stack.cli(*args, check=True).stdout)

    pages = [page()]
    while pages[-1]["next_cursor"]:
        pages.append(page("--cursor", pages[-1]["next_cursor"]))
    everyone = json.loads(
        stack.cli("subscriber", "list", "--list", "paged", "--all", "--json", check=True).stdout
    )

    assert [len(p["subscribers"]) for p in pages] == [100, 100, 50]
    expected = [f"paged{i:03}@example.com" for i in range(250)]
    assert [s["email"] for p in pages for s in p["subscribers"]] == expected
    assert [s["email"] for s in everyone["subscribers"]] == expected
    table = stack.cli("subscriber", "list", "--list", "paged", check=True).stdout
    assert "100 subscribers" in table and "--cursor " in table


def test_a_file_without_an_email_column_is_refused_before_anything_is_written(stack, tmp_path):
    path = tmp_path / "no-email.csv"
    path.write_text("name,phone\nAnn,1\nBo,2\n")
    result = stack.cli("subscriber", "import", str(path))
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "error: no-email.csv has no email column (found: 'name', 'phone') — name the address "
        "column 'email' (or 'Email Address') and import again"
    ]
    assert not (tmp_path / "no-email.rejected.csv").exists()
