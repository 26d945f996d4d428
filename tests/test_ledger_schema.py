"""The ledger's rows decoded by column name and checked: a value no bulletin writes is a damaged ledger, named."""

from __future__ import annotations

import pytest

from bulletin.errors import LedgerError
from bulletin.ledger_schema import BATCH_FIELDS, DISPATCH_FIELDS, Batch, Dispatch, batch_row, damaged, dispatch_row, json_value

SHOWN = ".bulletin/ledger.db"
STAMP = "2021-07-05T07:00:00+00:00"


def dispatch_columns(**changed: object) -> tuple[object, ...]:
    values: dict[str, object] = {
        "id": 7, "kind": "real", "slug": "example", "list_name": "members", "transport": "sendgrid", "content_hash": "abc",
        "state": "scheduled", "created": STAMP, "updated": STAMP, "subscribers": "s.csv", "recipients": 2,
        "skipped": '{"left": 1}', "fields": '["name"]', "send_at": None, "batch_id": None, "superseded_by": None,
        "safe": 1, "timezone": "Europe/Paris",
    }
    values.update(changed)
    return tuple(values[name] for name in DISPATCH_FIELDS)


def batch_columns(**changed: object) -> tuple[object, ...]:
    values: dict[str, object] = {
        "id": 12, "dispatch": 7, "seq": 2, "state": "pending", "size": 1, "attempts": 0, "message_id": None, "error": None,
        "was_unknown": 1, "updated": STAMP, "send_at": STAMP, "batch_id": None, "language": "fr",
    }
    values.update(changed)
    return tuple(values[name] for name in BATCH_FIELDS)


def test_a_dispatch_row_is_decoded_by_name() -> None:
    found = dispatch_row(dispatch_columns(), SHOWN)
    assert isinstance(found, Dispatch)
    assert (found.id, found.list_name, found.skipped, found.fields, found.safe, found.timezone, found.batches) == (
        7, "members", {"left": 1}, ["name"], True, "Europe/Paris", {})


def test_a_batch_row_is_decoded_by_name() -> None:
    assert batch_row(batch_columns(), SHOWN) == Batch(id=12, dispatch=7, seq=2, state="pending", size=1, attempts=0, message_id=None,
                                                      error=None, was_unknown=True, updated=STAMP, send_at=STAMP, language="fr")


@pytest.mark.parametrize(("changed", "named"), [
    ({"skipped": "{not json"}, r"dispatch 7: skipped is '\{not json', not a JSON object"),
    ({"fields": '{"name": 1}'}, r"dispatch 7: fields is '\{\"name\": 1\}', not a JSON list"),
    ({"created": "yesterday"}, r"dispatch 7: created is 'yesterday', not a time like 2021-07-05T07:00:00\+00:00"),
    ({"send_at": "soon"}, r"dispatch 7: send_at is 'soon', not a time"),
])
def test_a_damaged_dispatch_row_names_the_ledger_the_row_and_the_column(changed: dict[str, object], named: str) -> None:
    with pytest.raises(LedgerError, match=rf"^\.bulletin/ledger\.db: the ledger is damaged \({named}.*restore it from a backup"):
        dispatch_row(dispatch_columns(**changed), SHOWN)


def test_a_damaged_batch_time_names_the_dispatch_and_the_batch() -> None:
    with pytest.raises(LedgerError, match=r"the ledger is damaged \(dispatch 7 batch 2: send_at is 'soon', not a time"):
        batch_row(batch_columns(send_at="soon"), SHOWN)
    assert batch_row(batch_columns(send_at=None), SHOWN).send_at is None  # absent: not scheduled


def test_json_value_takes_only_the_kind_asked_for() -> None:
    assert json_value(SHOWN, '[["a@x.example", "Ann"]]', "batch 3: recipients", list) == [["a@x.example", "Ann"]]
    for text in ('{"a": 1}', "[1, 2", None, "null"):
        with pytest.raises(LedgerError, match=r"batch 3: recipients is .*, not a JSON list"):
            json_value(SHOWN, text, "batch 3: recipients", list)


def test_a_long_damaged_value_is_shortened() -> None:
    error = damaged(SHOWN, "batch 3: recipients", "x" * 200, "a JSON list")
    shown = str(error).split("recipients is ", 1)[1].split(", not ", 1)[0]
    assert shown == repr("x" * 200)[:57] + "…"
    assert len(shown) == 58
