"""Reading subscribers as spreadsheets export them: validation, dedupe, suppression, lists, row numbers."""

from __future__ import annotations

import codecs
import tracemalloc
from pathlib import Path

import pytest
from email_validator import EmailNotValidError, validate_email

from bulletin.addresses import normalise
from bulletin.audience import check_subscribers, read_audience
from bulletin.errors import AudienceError


@pytest.fixture(autouse=True, params=["read here", "read by a forked child"])
def reading(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Every test twice: the rows read in this process, and read by a forked child while this one dedupes them (as a
    large file is read)."""
    monkeypatch.setattr("bulletin.audience.PARALLEL_BYTES", 0 if request.param == "read by a forked child" else 1 << 62)
    return str(request.param)


def write(tmp_path: Path, data: bytes | str, name: str = "people.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def recipients(path: Path, list_name: str | None = "members", **options: object) -> tuple[list[tuple[int, str, tuple[str, ...]]], object]:
    audience = read_audience(path, list_name=list_name, fields=["name"], **options)  # type: ignore[arg-type]
    return [(r.row, r.email, r.values) for r in audience], audience.report


@pytest.mark.parametrize("variant", ["plain", "bom", "semicolon", "crlf", "tab"])
def test_spreadsheet_exports(tmp_path: Path, variant: str) -> None:
    rows = [["email", "name", "lists"], ["a@x.example", "Ann", "members"], ["b@x.example", "Bob", "members;board"]]
    sep = {"semicolon": ";", "tab": "\t"}.get(variant, ",")
    end = "\r\n" if variant in ("crlf", "semicolon") else "\n"
    text = end.join(sep.join(f'"{c}"' if sep in c or ";" in c else c for c in row) for row in rows) + end
    data = (codecs.BOM_UTF8 if variant == "bom" else b"") + text.encode("utf-8")
    found, report = recipients(write(tmp_path, data))
    assert found == [(2, "a@x.example", ("Ann",)), (3, "b@x.example", ("Bob",))]
    assert report.delimiter == sep


def test_quoted_fields_with_delimiters_and_line_breaks_keep_row_numbers(tmp_path: Path) -> None:
    path = write(tmp_path, 'email,name,lists\n"a@x.example","Smith, Ann",members\nb@x.example,"Line\nbreak",members\nbad,X,members\n')
    found, report = recipients(path)
    assert found == [(2, "a@x.example", ("Smith, Ann",)), (3, "b@x.example", ("Line\nbreak",))]
    assert [(b.row, b.message) for b in report.bad_rows] == [
        (4, "'bad' is not a valid email address: An email address must have an @-sign.")]


def test_normalises_dedupes_and_skips(tmp_path: Path) -> None:
    path = write(tmp_path, (
        "email,name,lists,status\n"
        "  Ann@Example.ORG ,Ann,members,subscribed\n"   # 2: trimmed, domain lower-cased
        "ann@example.org,Ann again,members,\n"         # 3: duplicate (case-insensitive), first kept
        "gone@x.example,,members,Unsubscribed\n"       # 4
        "dead@x.example,,members,bounced\n"            # 5
        "press@x.example,,press,subscribed\n"          # 6: not on list
        "who@x.example,,members,subscribd\n"           # 7: unknown status: a bad row
        ",,members,\n"                                 # 8: no address
        ",,,\n"                                        # 9: blank row, ignored
        "ok@x.example,,MEMBERS,\n"                     # 10: list names ignore case
    ))
    found, report = recipients(path)
    assert found == [(2, "Ann@example.org", ("Ann",)), (10, "ok@x.example", ("",))]
    assert dict(report.skipped) == {"duplicate": 1, "unsubscribed": 1, "bounced": 1, "not on list": 1, "invalid": 2}
    assert [str(p) for p in report.problems()] == [
        f"{path} row 3: ann@example.org appears in an earlier row (kept the first)",
        f"{path} row 7: unknown status 'subscribd' (did you mean 'subscribed'?); who@x.example is not mailed",
        f"{path} row 8: no email address",
    ]
    assert report.rows == 8


@pytest.mark.parametrize("order", ["typo first", "typo last"])
def test_a_mistyped_status_is_never_mailed_even_if_another_row_subscribes(tmp_path: Path, order: str) -> None:
    rows = ["ann@x.example,members,unsubscibed", "Ann@X.example,members,subscribed"]
    rows = rows if order == "typo first" else rows[::-1]
    path = write(tmp_path, "email,lists,status\n" + "\n".join(rows) + "\nbob@x.example,members,\n")
    audience = read_audience(path, list_name="members")
    people = list(audience)  # a later row can withdraw an address already read: known at the end
    assert [r.email for r in people if r.key not in audience.report.withdrawn] == ["bob@x.example"]
    assert audience.report.skipped["invalid"] == 2 and audience.report.recipients == 1
    assert "unknown status 'unsubscibed' (did you mean 'unsubscribed'?)" in str(audience.report.problems()[0])


def test_mailchimp_and_listmonk_status_words(tmp_path: Path) -> None:
    path = write(tmp_path, "email,lists,status\na@x.example,members,cleaned\nb@x.example,members,blocklisted\n"
                           "c@x.example,members,Confirmed\nd@x.example,members,unconfirmed\n")
    found, report = recipients(path)
    assert [email for _, email, _ in found] == ["c@x.example"]
    assert (report.skipped["bounced"], report.skipped["unsubscribed"], report.skipped["invalid"]) == (1, 1, 1)


def test_addresses_are_sent_as_sendgrid_takes_them(tmp_path: Path) -> None:
    # SendGrid drops addresses with non-ASCII characters before the @ (no SMTPUTF8): a bad row, not a silent loss;
    # an international domain goes in its ASCII form, so its two spellings are one person
    path = write(tmp_path, "email,lists\nuser@Bücher.example,members\nUSER@xn--bcher-kva.example,members\njörg@x.example,members\n")
    found, report = recipients(path, shown="people.csv")
    assert [(row, email) for row, email, _ in found] == [(2, "user@xn--bcher-kva.example")]
    assert [str(p) for p in report.problems()] == [
        "people.csv row 3: USER@xn--bcher-kva.example appears in an earlier row (kept the first)",
        ("people.csv row 4: 'jörg@x.example' is not a valid email address: Internationalized characters before the @-sign "
         "are not supported: 'ö'. SendGrid cannot deliver to such addresses."),
    ]


def test_an_address_unsubscribed_in_any_row_is_never_mailed(tmp_path: Path) -> None:
    path = write(tmp_path, "email,lists,status\nx@x.example,members,unsubscribed\nX@x.example,members,\ny@x.example,members,\nY@X.example,board,bounced\n")
    audience = read_audience(path, list_name="members")
    assert [r.email for r in audience] == ["y@x.example"]  # yielded before row 5 was read...
    assert audience.report.withdrawn == {"y@x.example"}  # ...so the caller is told to drop it
    assert audience.report.recipients == 0
    # row 5 (board) counts as not on list; the members row it withdraws counts as bounced (issue 9, defect 7)
    assert dict(audience.report.skipped) == {"unsubscribed": 2, "bounced": 1, "not on list": 1}


def test_subscribers_check_counts_per_list_and_status(tmp_path: Path) -> None:
    path = write(tmp_path, "email,lists,status\na@x.example,members;board,\nb@x.example,members,unsubscribed\nc@x.example,board,bounced\nbad,members,\n")
    report = check_subscribers(path)
    assert {name: dict(c) for name, c in report.lists.items()} == {
        "members": {"subscribed": 1, "unsubscribed": 1}, "board": {"subscribed": 1, "bounced": 1}}
    assert dict(report.statuses) == {"subscribed": 1, "unsubscribed": 1, "bounced": 1}
    assert report.recipients == 1 and report.skipped["invalid"] == 1


@pytest.mark.parametrize(("data", "message"), [
    (b"", "people.csv: the file is empty"),
    (b"name,lists\nA,members\n", "people.csv row 1: no 'email' column; the header row has: name, lists"),
    (b"Emial,lists\na@x.example,members\n", "no 'email' column (did you mean 'emial'?)"),
    (b"email,lists\na@x.example,members,extra\n", "people.csv row 2: 3 fields but the header has 2"),
    (b"email,name\na@x.example,A\n", "people.csv: has no 'lists' column, so nobody is on the list 'members'"),
    (b"email,lists\na@x.example,board\n", "people.csv: nobody is on the list 'members'; lists in the file: board"),
    (b"email,lists\na@x.example,members\n\xff\xfe,members\n", "people.csv line 3: not UTF-8 text (byte 0xFF at character 1)"),
    (codecs.BOM_UTF16_LE + "email\n".encode("utf-16-le"), "the file is UTF-16 ('Unicode Text'), not CSV"),
    (b"PK\x03\x04\x14\x00\x06\x00\x08\x00", "people.csv: the file is a spreadsheet workbook (.xlsx or .ods), not CSV"),
])
def test_unreadable_files_give_one_clear_error(tmp_path: Path, data: bytes, message: str) -> None:
    path = write(tmp_path, data)
    with pytest.raises(AudienceError) as caught:
        recipients(path)
    assert message in str(caught.value).replace(str(tmp_path) + "/", "")


@pytest.mark.parametrize("header", ["E-mail", "Email Address", "E-Mail address", "e-mail"])
def test_the_address_column_may_be_named_as_exports_name_it(tmp_path: Path, header: str) -> None:
    path = write(tmp_path, f"Name;{header};Lists\nAnn;ann@x.example;members\n")
    assert recipients(path)[0] == [(2, "ann@x.example", ("Ann",))]


def test_column_headings_become_field_names(tmp_path: Path) -> None:
    path = write(tmp_path, "Email Address,First Name,Member-Organisation,Lists\nann@x.example,Ann,ACME,members\n")
    audience = read_audience(path, list_name="members", fields=["first_name", "member_organisation"])
    assert [(r.email, r.values) for r in audience] == [("ann@x.example", ("Ann", "ACME"))]
    assert audience.report.columns == ["email", "first_name", "member_organisation", "lists"]


def test_too_many_fields_are_all_listed(tmp_path: Path) -> None:
    path = write(tmp_path, "email,name,lists\na@x.example,Smith, Ann,members\nb@x.example,B,members\nc@x.example,Doe, C,members\n")
    with pytest.raises(AudienceError) as caught:
        recipients(path, shown="people.csv")
    assert [str(p) for p in caught.value.problems] == [
        "people.csv row 2: 4 fields but the header has 3; a value holding ',' must be in double quotes",
        "people.csv row 4: 4 fields but the header has 3; a value holding ',' must be in double quotes",
    ]


def test_declared_windows_encoding(tmp_path: Path) -> None:
    path = write(tmp_path, "email;name;lists\r\nzoe@x.example;Zoë Ça;members\r\n".encode("cp1252"))
    found, _ = recipients(path, encoding="cp1252")
    assert found == [(2, "zoe@x.example", ("Zoë Ça",))]
    with pytest.raises(AudienceError, match="line 2: not UTF-8 text"):
        recipients(path)
    with pytest.raises(AudienceError, match="unknown encoding 'klingon'"):
        recipients(path, encoding="klingon")


def test_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(AudienceError, match="subscribers file not found"):
        recipients(tmp_path / "nope.csv")


CORPUS = [
    "simple@example.com", "Mixed.Case@Example.COM", "x@sub.domain.example.org", "first.last+tag@example.co.uk",
    "o'brien@example.ie", "a!#$%&'*+/=?^_`{|}~-z@example.com", "Info@Example.com", "POSTMASTER@example.com",
    "user@xn--bcher-kva.example", "user@bücher.example", "jörg@example.de", "a..b@example.com", ".a@example.com",
    "a.@example.com", "a@example", "a@localhost", "a@example.local", "a@example.test", "a@-example.com",
    "a@example-.com", "a@exa_mple.com", "a@123.com", "a@example.123", "@example.com", "a@", "a b@example.com",
    '"quoted"@example.com', "a@[127.0.0.1]", "x" * 64 + "@example.com", "x" * 65 + "@example.com",
    "a@" + "b" * 63 + ".com", "a@" + "b" * 64 + ".com", "a@" + ".".join(["b" * 60] * 4) + ".com",
    "y" * 240 + "@example.com", "a@example.com.", "a@EXAMPLE.onion", "a@sub..example.com",
    "Postmaster@EXAMPLE.COM", "abuse@example.com", "Abuse@example.com", "user@XN--BCHER-KVA.example",
    "a@xn--zz.example", "a@example.c", "a@b.co", "a@EXAMPLE.COM", "x" * 64 + "@" + "b" * 63 + "." + "c" * 63 + "." + "d" * 56,
]


@pytest.mark.parametrize("address", CORPUS)
def test_the_fast_path_agrees_with_email_validator(address: str) -> None:
    try:  # as SendGrid takes it: the domain in ASCII (IDNA), no non-ASCII characters before the @
        expected: str | None = validate_email(address, check_deliverability=False, allow_smtputf8=False).ascii_email
    except EmailNotValidError:
        expected = None
    try:
        got: str | None = normalise(address)
    except EmailNotValidError:
        got = None
    assert got == expected


def test_memory_holds_a_digest_per_address_not_the_rows(tmp_path: Path) -> None:
    def peak(count: int) -> int:
        path = tmp_path / f"p{count}.csv"
        with open(path, "w", encoding="utf-8") as handle:
            handle.write("email,name,lists,organisation,notes\n")
            handle.writelines(f"person{i}@org{i % 97}.example,Person Number {i},members,Some Organisation {i},{'x' * 80}\n" for i in range(count))
        tracemalloc.start()
        for _ in read_audience(path, list_name="members", fields=["name"]):
            pass
        size = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        return size

    small, large = peak(10_000), peak(60_000)
    per_row = (large - small) / 50_000
    assert per_row < 100  # rows are ~170 bytes of text each; only the dedupe digest stays


def test_a_utf8_file_with_a_bom_is_read_as_utf8_whatever_is_declared(tmp_path: Path) -> None:
    # bulletin.yaml says cp1252 (an old export), a colleague saves the next one as Excel's "CSV UTF-8"
    path = write(tmp_path, codecs.BOM_UTF8 + "email;name;lists\r\nzoe@x.example;Zoë Ça;members\r\n".encode())
    found, _ = recipients(path, encoding="cp1252")
    assert found == [(2, "zoe@x.example", ("Zoë Ça",))]


def test_a_utf8_file_without_a_bom_is_read_as_utf8_whatever_is_declared(tmp_path: Path) -> None:
    # LibreOffice and Google Sheets save UTF-8 without a BOM: read as cp1252 every accent became 'Ã©'
    path = write(tmp_path, "email;name;lists\r\nzoe@x.example;Zoë Ça “Renée”;members\r\n".encode())
    found, _ = recipients(path, encoding="cp1252")
    assert found == [(2, "zoe@x.example", ("Zoë Ça “Renée”",))]
    cp1252 = write(tmp_path, "email;name;lists\r\nzoe@x.example;Zoë Ça;members\r\n".encode("cp1252"), "old.csv")
    assert recipients(cp1252, encoding="cp1252")[0] == [(2, "zoe@x.example", ("Zoë Ça",))]


def test_a_row_whose_merge_values_sendgrid_would_refuse_is_a_bad_row(tmp_path: Path) -> None:
    # SendGrid refuses a request where one recipient's substitutions exceed 10,000 bytes: the whole batch would fail
    long = '"' * 2000  # HTML-escaped to &quot; six bytes each
    path = write(tmp_path, f'email,name,lists\na@x.example,"{long * 2}",members\nb@x.example,{"x" * 900},members\na@x.example,Ann,members\n')
    found, report = recipients(path, shown="people.csv")
    assert [(row, email) for row, email, _ in found] == [(3, "b@x.example"), (4, "a@x.example")]  # a later row of a@ is fine
    assert [str(p) for p in report.problems()] == [
        ("people.csv row 2: its merge values are too long for SendGrid (14,021 bytes with the tags and the HTML-escaped copy; "
         "at most 10,000 per recipient): shorten the name column")]
    assert report.skipped["invalid"] == 1 and report.recipients == 2


def test_subscribers_check_reads_an_excel_export(tmp_project: Path) -> None:
    from click.testing import CliRunner

    from bulletin.cli import main

    # Excel "CSV UTF-8" in a ';' locale: BOM, CRLF, a spaced header, trailing empty columns, a quoted cell holding
    # the delimiter and a line break, statuses in capitals, blank lines at the end
    (tmp_project / "people.csv").write_bytes(codecs.BOM_UTF8 + (
        b" Email ;Name;Lists;Status;;\r\n"
        b'ann@x.example;"Ann; ""the boss""\r\nSmith";"members ; board";Subscribed;;\r\n'
        b"bob@x.example;Bob;members;UNSUBSCRIBED;;\r\n"
        b"bad;Bad;members;;;\r\n"
        b";;;;;\r\n\r\n\r\n"))
    result = CliRunner().invoke(main, ["subscribers", "check", "people.csv"])
    assert result.exit_code == 1  # an invalid row
    assert result.output.startswith("people.csv: 3 rows, columns email, name, lists, status (semicolon-separated)\n")
    assert "Would be mailed once each: 1 address; invalid rows: 1; duplicates: 0" in result.output
    assert "Rows per list and status" in result.output and "Rows not mailed because of a problem:" in result.output
    assert "people.csv row 4: 'bad' is not a valid email address" in result.output
    assert [line.split() for line in result.output.splitlines() if line.startswith(("│ board", "│ members"))] == [
        ["│", "board", "│", "1", "│", "0", "│", "0", "│"], ["│", "members", "│", "1", "│", "1", "│", "0", "│"]]


def test_addresses_written_as_mail_programs_export_them(tmp_path: Path) -> None:
    # Outlook/Thunderbird contacts and copied links: "Name <address>", "<address>", "mailto:address". An
    # unsubscribed row written so must still keep that address from being mailed by another row.
    path = write(tmp_path, (
        "email,name,lists,status\n"
        '"Carl Smith <Carl@Example.org>",Carl,members,\n'
        "<dora@x.example>,Dora,members,\n"
        "MAILTO:eve@x.example,Eve,members,\n"
        '"""Smith, Fay"" <fay@x.example>",Fay,members,unsubscribed\n'
        "fay@x.example,Fay,members,\n"
        "carl@example.org,Carl again,members,\n"
    ))
    found, report = recipients(path, shown="people.csv")
    assert [(row, email) for row, email, _ in found] == [(2, "Carl@example.org"), (3, "dora@x.example"), (4, "eve@x.example")]
    assert dict(report.skipped) == {"unsubscribed": 2, "duplicate": 1}
    assert [str(p) for p in report.problems()] == ["people.csv row 7: carl@example.org appears in an earlier row (kept the first)"]


def test_accented_display_names_are_read_like_plain_ones(tmp_path: Path) -> None:
    """Issue 9, defect 3: 'Zoë Müller <zoe@coop.de>' was rejected while 'Zoe Mueller <zoe@coop.de>' was read."""
    path = write(tmp_path, (
        "email,name,lists\n"
        '"Zoë Müller <zoe@coop.de>",Zoë,members\n'
        '"Zoe Mueller <zoe.m@coop.de>",Zoe,members\n'
        '"Müller, Zoë <zm@coop.de>",Zoë,members\n'
        '"Łukasz Żółw <lz@coop.pl>",Łukasz,members\n'
    ))
    found, report = recipients(path, shown="people.csv")
    assert [email for _, email, _ in found] == ["zoe@coop.de", "zoe.m@coop.de", "zm@coop.de", "lz@coop.pl"]
    assert not report.problems()


@pytest.mark.parametrize("column", ["email", "name"])
def test_a_quote_never_closed_is_an_error_not_the_rest_of_the_file_swallowed(tmp_path: Path, column: str) -> None:
    # one stray '"' made the csv reader take every following row as part of one value: those people vanished silently
    broken = '"a@x.example,Ann,members' if column == "email" else 'a@x.example,"Ann,members'
    path = write(tmp_path, f"email,name,lists\nz@x.example,Zoe,members\n{broken}\nb@x.example,Bob,members\nc@x.example,Cy,members\n")
    with pytest.raises(AudienceError) as caught:
        recipients(path, shown="people.csv")
    assert str(caught.value) == (
        "people.csv row 3: a double quote (\") opens a value that is never closed, so the 3 lines from there to the end of "
        "the file were read as one value; add the closing quote or remove the stray one")


def test_a_value_with_line_breaks_in_the_last_row_is_fine(tmp_path: Path) -> None:
    path = write(tmp_path, 'email,name,lists\na@x.example,"Ann\n""the boss""\nSmith",members\n')
    assert recipients(path)[0] == [(2, "a@x.example", ('Ann\n"the boss"\nSmith',))]


def test_a_long_bad_address_is_shortened_in_its_message(tmp_path: Path) -> None:
    path = write(tmp_path, f"email,lists\n{'x' * 300},members\n")
    _, report = recipients(path, list_name=None, shown="people.csv")
    [problem] = report.problems()
    assert str(problem).startswith(f"people.csv row 2: '{'x' * 60}…' is not a valid email address") and len(str(problem)) < 200


def test_an_excel_sep_line_names_the_delimiter(tmp_path: Path) -> None:
    # "sep=;" as a first line tells Excel the delimiter and is not shown as a row: the header is row 1
    path = write(tmp_path, "sep=;\r\nemail;name;lists\r\na@x.example;Smith, Ann;members\r\nbad;B;members\r\n")
    found, report = recipients(path, shown="people.csv")
    assert found == [(2, "a@x.example", ("Smith, Ann",))]
    assert [str(p) for p in report.problems()] == ["people.csv row 3: 'bad' is not a valid email address: An email address must have an @-sign."]
    assert report.delimiter == ";"


def test_a_too_wide_row_still_suppresses_its_address_when_it_is_unambiguous(tmp_path) -> None:
    # "Former Org, Ltd" unquoted: one field too many, but only one cell is an address and the status column says unsubscribed
    path = tmp_path / "people.csv"
    path.write_text("email,name,lists,status,organisation\n"
                    "old.member@x.example,Old Member,members,unsubscribed,Former Org, Ltd\n"
                    "Old.Member@x.example,Old Member,members,subscribed,Former Org\n"
                    "new@x.example,New,members,subscribed,Org, Ltd\n"
                    "ok@x.example,Ok,members,subscribed,Org\n", encoding="utf-8")
    audience = read_audience(path, list_name="members")
    with pytest.raises(AudienceError, match="more fields than the header") as caught:
        list(audience)
    assert [str(p.where) for p in caught.value.problems] == [f"{path} row 2", f"{path} row 4"]  # reported either way
    assert audience.report.suppressed == {"old.member@x.example": "unsubscribed"}  # suppressed, also for row 3


def test_a_too_wide_row_with_two_addresses_is_not_read(tmp_path) -> None:
    path = tmp_path / "people.csv"
    path.write_text("email,name,status\na@x.example,b@x.example,x,unsubscribed\n", encoding="utf-8")
    audience = read_audience(path, list_name=None)
    with pytest.raises(AudienceError):
        list(audience)
    assert audience.report.suppressed == {}


def test_first_name_is_the_name_column_where_a_row_has_none(tmp_path: Path) -> None:
    path = write(tmp_path, "email,First Name,name\na@x.example,Ann,Ann Lee\nb@x.example,,Bob Roe\nc@x.example, ,\n")
    audience = read_audience(path, list_name=None, fields=["first_name", "name"])
    assert [r.values for r in audience] == [("Ann", "Ann Lee"), ("Bob Roe", "Bob Roe"), ("", "")]
    assert audience.report.missing_fields == []
    only_names = write(tmp_path, "email,name\na@x.example,Ann Lee\n", "names.csv")
    audience = read_audience(only_names, list_name=None, fields=["first_name", "title"])
    assert [r.values for r in audience] == [("Ann Lee", "")]
    assert audience.report.missing_fields == ["title"]  # first_name has its stand-in


LANGUAGES = ("en", "fr", "it")
BY_LANGUAGE = """\
email,name,lists,language
fr.plain@x.example,Fr,members,fr
fr.region@x.example,,members,fr-BE
fr.upper@x.example,,members,FR
fr.underscore@x.example,,members,fr_BE
de@x.example,,members,de
blank@x.example,,members,
it@x.example,,members, it
en.upper@x.example,,members,EN
french@x.example,,members,French
"""


def test_each_recipient_gets_the_edition_of_their_base_language(tmp_path: Path) -> None:
    audience = read_audience(write(tmp_path, BY_LANGUAGE), list_name="members", fields=["name"], languages=LANGUAGES)
    found = {r.email: (r.lang, r.fell_back, r.values) for r in audience}
    assert found == {
        "fr.plain@x.example": ("fr", None, ("Fr",)), "fr.region@x.example": ("fr", None, ("",)),
        "fr.upper@x.example": ("fr", None, ("",)), "fr.underscore@x.example": ("fr", None, ("",)),
        "de@x.example": ("en", "de", ("",)), "blank@x.example": ("en", "blank", ("",)), "it@x.example": ("it", None, ("",)),
        "en.upper@x.example": ("en", None, ("",)), "french@x.example": ("en", "French", ("",)),
    }


@pytest.mark.parametrize("heading", ["Language", "lang", "Locale", "Preferred Language"])
def test_the_language_column_goes_by_other_tools_names(tmp_path: Path, heading: str) -> None:
    path = write(tmp_path, f"email,{heading}\na@x.example,it-IT\n")
    assert [(r.lang, r.fell_back) for r in read_audience(path, languages=LANGUAGES)] == [("it", None)]


def test_without_a_language_column_everyone_gets_the_default(tmp_path: Path) -> None:
    path = write(tmp_path, "email,name\na@x.example,Ann\n")
    assert [(r.lang, r.fell_back) for r in read_audience(path, languages=LANGUAGES)] == [("en", "no language column")]


def test_one_language_ignores_the_language_column(tmp_path: Path) -> None:
    path = write(tmp_path, BY_LANGUAGE)
    one = [(r.lang, r.fell_back, r.values) for r in read_audience(path, list_name="members", fields=["name"], languages=("en",))]
    assert one == [("en", None, r[2]) for r in one] and len(one) == 9
    assert {(r.lang, r.fell_back) for r in read_audience(path, list_name="members")} == {("", None)}
    # it is read for the edition only, never sent as a merge value unless a template asks for *|LANGUAGE|*
    values = [r.values for r in read_audience(path, list_name="members", fields=["language"], languages=LANGUAGES)]
    assert values[:3] == [("fr",), ("fr-BE",), ("FR",)]


def test_subscribers_check_counts_who_gets_which_edition(trilingual, tmp_path):
    from click.testing import CliRunner

    from bulletin.cli import main

    people = trilingual / "subscribers.example.csv"
    people.write_text(people.read_text(encoding="utf-8")
                      + "late@member-org.example,Late,members,subscribed,fr-BE,X\nlate@member-org.example,,members,unsubscribed,,X\n"
                      + "new@member-org.example,New,members,subscribed,FR,X\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["subscribers", "check"])
    # en: anna (de), piet (nl), eva (cs), press (en); fr: jean, new (FR); it: maria; late (fr-BE) unsubscribed later
    assert "Editions: 4 en, 2 fr, 1 it (3 fell back to en: 1 de, 1 nl, 1 cs)" in result.output, result.output
