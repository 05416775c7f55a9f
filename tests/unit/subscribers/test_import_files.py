import csv
from pathlib import Path

import pytest

from tctfmsg.campaigns.adapters.import_files import ImportFile, RejectFile
from tctfmsg.campaigns.services.subscriber_import import import_subscribers
from tctfmsg.core.errors import InvalidInput
from tests.unit.subscribers.fakes import FakeClock, FakeSubscriberStore, RecordingRejects


def test_csv_with_bom_crlf_and_quoted_newlines_keeps_true_line_numbers(tmp_path):
    path = tmp_path / "export.csv"
    path.write_bytes(
        '\ufeffemail,name,notes\r\na@x.io,Ann,"two\r\nlines"\r\n\r\nb@x.io,Bo,plain\r\n'.encode()
    )
    records = list(ImportFile(path).records())
    assert [(r.line, r.fields["email"]) for r in records] == [(2, "a@x.io"), (5, "b@x.io")]
    assert records[0].fields["notes"] == "two\r\nlines"


def test_a_row_with_the_wrong_number_of_fields_is_an_error_record(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text("email,name\na@x.io,Ann,extra\n")
    (record,) = ImportFile(path).records()
    assert record.fields is None
    assert record.error == "row has 3 fields but the header has 2"


def test_json_lines_report_malformed_lines_by_number(tmp_path):
    path = tmp_path / "export.jsonl"
    path.write_text('{"email": "a@x.io"}\n{broken\n\n[1]\n')
    records = list(ImportFile(path).records())
    assert [(r.line, r.error) for r in records] == [
        (1, None),
        (2, "line is not valid JSON"),
        (4, "line is not a JSON object"),
    ]


def test_reject_file_holds_the_whole_row_with_line_and_reason(tmp_path):
    path = tmp_path / "people.csv"
    path.write_text('email,name\n"bad@","Smith, Jo"\n')
    source = ImportFile(path)
    (record,) = source.records()
    rejects = RejectFile(source)
    rejects.write(record, "invalid email")
    rejects.close()
    assert rejects.path == tmp_path / "people.rejected.csv"
    assert rejects.path.read_text().splitlines() == [
        "email,name,reject_line,reject_reason",
        'bad@,"Smith, Jo",2,invalid email',
    ]


def test_a_file_that_is_not_utf8_is_refused_with_what_to_do(tmp_path):
    path = tmp_path / "latin1.csv"
    path.write_bytes("email,name\nz@x.io,Zoë\n".encode("latin-1"))
    with pytest.raises(InvalidInput) as refused:
        list(ImportFile(path).records())
    assert "not UTF-8" in refused.value.message
    assert "UTF-8" in (refused.value.hint or "")


def test_a_missing_file_is_refused(tmp_path):
    with pytest.raises(InvalidInput, match="no such file"):
        ImportFile(tmp_path / "nope.csv")


def test_a_directory_is_called_a_directory(tmp_path):
    with pytest.raises(InvalidInput) as refused:
        ImportFile(tmp_path)
    assert refused.value.message == f"{tmp_path} is a directory"


def test_a_csv_with_no_email_column_is_refused_on_opening_naming_the_columns_it_has(tmp_path):
    path = tmp_path / "people.csv"
    path.write_text("name,phone\nAnn,123\nBo,456\n")
    with pytest.raises(InvalidInput) as refused:
        ImportFile(path)
    assert refused.value.message == "people.csv has no email column (found: 'name', 'phone')"
    assert "email" in (refused.value.hint or "")


def test_any_known_spelling_of_the_email_column_will_do(tmp_path):
    path = tmp_path / "mc.csv"
    path.write_text("First Name, Email Address \nAnn,ann@x.io\n")
    assert ImportFile(path).header == ["First Name", " Email Address "]


def test_a_json_lines_file_has_no_header_to_check(tmp_path):
    path = tmp_path / "people.jsonl"
    path.write_text('{"name": "no address"}\n')
    (record,) = ImportFile(path).records()
    assert record.fields == {"name": "no address"}


def test_a_file_that_cannot_be_read_is_one_clear_error(tmp_path, monkeypatch):
    path = tmp_path / "locked.csv"
    path.write_text("email\na@x.io\n")

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(Path, "open", refuse)  # as for a file of another user's, without root
    with pytest.raises(InvalidInput) as refused:
        ImportFile(path)
    assert refused.value.message == f"cannot read {path}: Permission denied"


def test_a_short_row_is_padded_in_the_reject_file_so_its_columns_stay_in_place(tmp_path):
    path = tmp_path / "people.csv"
    path.write_text("email,name,city\nann@x.io,Ann\n")
    source = ImportFile(path)
    (record,) = source.records()
    rejects = RejectFile(source)
    rejects.write(record, record.error or "")
    rejects.close()
    with rejects.path.open(newline="") as handle:
        (row,) = csv.DictReader(handle)
    assert row == {
        "email": "ann@x.io",
        "name": "Ann",
        "city": "",
        "reject_line": "2",
        "reject_reason": "row has 2 fields but the header has 3",
    }


def test_a_fixed_reject_file_imports_as_it_is(tmp_path):
    path = tmp_path / "people.csv"
    path.write_text("email,name,city\nann@x.io,Ann\nbo@x.io,Bo,Oslo\n")
    source = ImportFile(path)
    rejects = RejectFile(source)
    for record in source.records():
        if record.fields is None:
            rejects.write(record, record.error or "")
    rejects.close()

    fixed = rejects.path.read_text().replace("ann@x.io,Ann,,", "ann@x.io,Ann,Bergen,")
    rejects.path.write_text(fixed)
    store, again = FakeSubscriberStore(), ImportFile(rejects.path)
    report = import_subscribers(again.records(), store, FakeClock(), RecordingRejects())

    assert (report.read, report.imported, report.rejected) == (1, 1, 0)
    assert store.items["ann@x.io"].attributes == {"city": "Bergen"}
