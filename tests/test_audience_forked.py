"""Reading a large subscribers file with a forked child (audience_forked): the same recipients, report and errors as
reading it here, row by row."""

from __future__ import annotations

from pathlib import Path

import pytest

from bulletin.audience import read_audience
from bulletin.errors import AudienceError
from test_audience import write  # the subscribers file helper of the audience tests


def test_a_file_read_by_a_forked_child_gives_what_reading_it_here_gives(tmp_path: Path) -> None:
    # everything that depends on earlier rows: duplicates, a later unsubscribe, an unsubscribe before a subscribe,
    # SendGrid's suppressions, invalid rows, lists' first spellings, languages; over several chunks of the child's
    def subscribers(*, too_wide: bool) -> Path:
        lines = ["email,name,lists,status,language,extra"]
        for i in range(9000):
            status = "unsubscribed" if i % 97 == 0 else ("bounced" if i % 101 == 0 else "")
            lists = ("Members" if i % 2 else "members;board") if i % 11 else "board"
            name = f'"Name, {i}"' if i % 5 == 0 else f"Name {i}"
            cells = [f"p{i % 7000}@org{i % 7000 % 13}.example" if i % 89 else f"broken{i}", name, lists, status, ["fr", "de", "", "EN"][i % 4], ""]
            if too_wide and i % 499 == 0:
                cells[-1] = "x,y"  # unquoted: one field too many
            lines.append(",".join(cells))
        return write(tmp_path, "\n".join(lines) + "\n", f"wide-{too_wide}.csv")

    sendgrid = {f"p{i}@org{i % 13}.example": "bounces" for i in range(0, 7000, 61)}

    def read(path: Path, *, parallel: bool) -> tuple[list[tuple[object, ...]], object]:
        audience = read_audience(path, list_name="members", fields=["name"], sendgrid=sendgrid, languages=["en", "fr"])
        audience.parallel = parallel
        try:
            return [tuple(r) for r in audience], audience.report
        except AudienceError as exc:
            return [("error", str(exc), tuple(str(p) for p in exc.problems))], None

    path = subscribers(too_wide=False)
    (here, here_report), (forked, forked_report) = read(path, parallel=False), read(path, parallel=True)
    assert len(here) > 3000 and forked == here
    assert forked_report == here_report
    assert here_report.withdrawn and here_report.duplicates and here_report.bad_rows and here_report.sendgrid  # type: ignore[attr-defined]
    path = subscribers(too_wide=True)  # an error about the whole file: the same, after the same recipients
    assert read(path, parallel=True) == read(path, parallel=False)
    assert read(path, parallel=False)[0][0][0] == "error"


def compare(path: Path, **options: object) -> tuple[object, object]:
    """What reading the file here and reading it forked give: recipients and report, or the error."""
    def read(parallel: bool) -> tuple[object, object]:
        audience = read_audience(path, list_name="members", fields=["name"], **options)  # type: ignore[arg-type]
        audience.parallel = parallel
        try:
            return [tuple(r) for r in audience], audience.report
        except AudienceError as exc:
            return ("error", str(exc), [str(p) for p in exc.problems]), None
    return read(False), read(True)


@pytest.mark.parametrize("damage", ["unclosed quote", "not utf-8", "no address"])
def test_an_error_late_in_a_large_file_reads_the_same(tmp_path: Path, damage: str) -> None:
    rows = [f"p{i}@x.example,Name {i},members" for i in range(6000)]
    at = 5500
    rows[at] = {"unclosed quote": f'p{at}@x.example,"Name {at},members', "not utf-8": f"p{at}@x.example,Caf\xe9,members",
                "no address": f",Name {at},members"}[damage]
    text = "email,name,lists\n" + "\n".join(rows) + "\n"
    path = write(tmp_path, text.encode("utf-8") if damage != "not utf-8" else text.encode("cp1252"))
    here, forked = compare(path)
    assert forked == here
    assert (here[0][0] == "error") == (damage != "no address")  # type: ignore[index]
