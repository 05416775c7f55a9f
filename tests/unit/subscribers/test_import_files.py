import pytest

from tctfmsg.campaigns.adapters.import_files import ImportFile, RejectFile
from tctfmsg.core.errors import InvalidInput


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
