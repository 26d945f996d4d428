"""SIGKILL during the hand-over of a scheduled 20,000-recipient dispatch (--safe, the default), then resume:
what SendGrid finally delivers (requests in batches that were not cancelled) holds every eligible member
exactly once, and nobody else. Half the trials hand over at once (2 hours ahead), half through
dispatch-due (5 days ahead); some resumes are killed too."""

from __future__ import annotations

import datetime as dt
import random
import shutil
import sqlite3
from collections import Counter
from pathlib import Path

import pytest

import bulletin
from bulletin.dispatch.schedule.times import HANDOVER, read_stored
from dispatch.helpers import (
    crash_subscribers,
    kill_after,
    sendgrid_env,
    start,
    use_sendgrid,
)
from fakes.sendgrid_server import FakeSendGrid

from .helpers import NO_WAIT, T0, unix

TRIALS = 10
MEMBERS = 20_000
SEND = ("send", "issues/example.yaml", "--list", "members", "--yes")


@pytest.fixture(scope="module")
def subscribers(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, set[str]]:
    path = tmp_path_factory.mktemp("safe-crash") / "people.csv"
    return path, crash_subscribers(path, MEMBERS)


def dispatch_row(project: Path) -> tuple[str, str, str | None] | None:
    """(state, send_at, batch_id) of the dispatch, if it was recorded."""
    path = project / ".bulletin" / "ledger.db"
    if not path.exists():
        return None
    with sqlite3.connect(path) as db:
        return db.execute("SELECT state, send_at, batch_id FROM dispatches WHERE state != 'superseded' ORDER BY id DESC").fetchone()


@pytest.mark.parametrize("trial", range(TRIALS))
def test_sigkill_during_a_safe_hand_over_then_resume(trial: int, tmp_project: Path, subscribers: tuple[Path, set[str]],
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    rng = random.Random(1000 + trial)
    source, members = subscribers
    shutil.copy(source, tmp_project / "people.csv")
    use_sendgrid(tmp_project, "people.csv")
    through_due = trial % 2 == 1
    with FakeSendGrid(delay=0.01, read_delay=0.015) as fake:
        now = T0
        fake.set_time(now)
        if through_due:  # scheduled 5 days ahead (nothing sent), then the hand-over by dispatch-due is killed
            for name, value in sendgrid_env(fake).items():
                monkeypatch.setenv(name, value)
            report = bulletin.send("issues/example.yaml", list_name="members", options=bulletin.SendOptions(at="2021-07-06 09:00"),
                                       clock=lambda: T0, retry=NO_WAIT)
            assert report.outcome == "scheduled"
            now = read_stored(report.plan.send_at or "") - HANDOVER
            fake.set_time(now)
            first = ("dispatch-due",)
        else:  # 2 hours ahead: handed over at once, and killed
            first = (*SEND, "--at", "2021-07-01 11:00")
        after = 0 if trial % 5 == 0 else rng.randint(1, MEMBERS // 1000)  # 0: while starting, planning or getting a batch id
        process = start(tmp_project, sendgrid_env(fake, BULLETIN_NOW=now.isoformat()), *first)
        kill_after(process, fake, after, rng.uniform(0, 0.05) if after else rng.uniform(0.3, 1.2))

        outputs = []
        for attempt in range(4):
            now += dt.timedelta(minutes=5)  # the next run, a few minutes later
            fake.set_time(now)
            recorded = dispatch_row(tmp_project)
            command = first if recorded is None or (attempt == 0 and trial % 4 == 0) else ("dispatch-due",)  # as a user or cron would
            again = start(tmp_project, sendgrid_env(fake, BULLETIN_NOW=now.isoformat()), *command)
            if attempt == 0 and trial % 3 == 1:  # the resume dies too
                kill_after(again, fake, fake.mail_requests() + rng.randint(0, 10), rng.uniform(0, 0.05))
                outputs.append(f"{command}: killed")
                continue
            out, _ = again.communicate(timeout=120)
            outputs.append(f"{command}: {again.returncode}\n{out}")
            if again.returncode == 0 and (dispatch_row(tmp_project) or ("",))[0] == "done":
                break
        else:
            pytest.fail("the hand-over did not complete:\n" + "\n".join(outputs))
        assert not fake.invalid, fake.invalid[:3]
        state, send_at, batch_id = dispatch_row(tmp_project) or ("", "", None)
        assert state == "done"
        delivered = fake.delivered(at=unix(read_stored(send_at)))
        live = {a.batch_id for a in fake.accepted if not fake.batches.get(a.batch_id or "")}

    assert live == {batch_id}  # every request that counts went in the dispatch's last batch
    assert read_stored(send_at) == T0 + dt.timedelta(days=5 if through_due else 0, hours=0 if through_due else 2)
    extra = set(delivered) - members
    assert not extra, f"never to be mailed: {sorted(extra)[:5]}"
    missing = members - set(delivered)
    assert not missing, f"{len(missing)} members missing, e.g. {sorted(missing)[:3]}\n" + "\n".join(outputs)
    twice = [address for address, count in delivered.items() if count > 1]
    assert not twice, f"{len(twice)} members mailed twice, e.g. {twice[:3]}\n" + "\n".join(outputs)
    assert delivered == Counter({m: 1 for m in members})
