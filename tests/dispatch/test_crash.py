"""SIGKILL during a 20,000-recipient dispatch, then resume: nobody twice, nobody missing, except where the
user was told a request's outcome is unknown and chose to re-send it (twice at most) or skip it (maybe missed)."""

from __future__ import annotations

import json
import random
import shutil
import sqlite3
import subprocess
from collections import Counter
from pathlib import Path

import pytest

from fakes.sendgrid_server import FakeSendGrid

from .helpers import crash_subscribers, kill_after, sendgrid_env, start, use_sendgrid

TRIALS = 10
MEMBERS = 20_000


@pytest.fixture(scope="module")
def subscribers(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, set[str]]:
    path = tmp_path_factory.mktemp("crash") / "people.csv"
    return path, crash_subscribers(path, MEMBERS)


def bulletin(project: Path, env: dict[str, str], *args: str) -> subprocess.Popen[str]:
    return start(project, env, "send", "issues/example.yaml", "--list", "members", "--yes", *args)


def ledger_batches(project: Path) -> list[tuple[str, bool, list[str]]]:
    """(state, was_unknown, recipients) of every batch of the real dispatch."""
    with sqlite3.connect(project / ".bulletin" / "ledger.db") as db:
        rows = db.execute("SELECT b.state, b.was_unknown, b.recipients FROM batches b JOIN dispatches d ON d.id = b.dispatch"
                          " WHERE d.kind = 'real' ORDER BY b.seq").fetchall()
    return [(state, bool(unknown), [r[0].lower() for r in json.loads(recipients)]) for state, unknown, recipients in rows]


@pytest.mark.parametrize("trial", range(TRIALS))
def test_sigkill_then_resume(trial: int, tmp_project: Path, subscribers: tuple[Path, set[str]]) -> None:
    rng = random.Random(trial)
    source, members = subscribers
    shutil.copy(source, tmp_project / "people.csv")
    use_sendgrid(tmp_project, "people.csv")
    resend = trial % 2 == 0  # half the trials re-send unknown requests, half skip them
    with FakeSendGrid(delay=0.02, read_delay=0.03) as fake:
        env = sendgrid_env(fake)
        # kill after a random number of requests arrived (0..20), plus a random moment within the next request
        after, extra = rng.randint(0, MEMBERS // 1000), rng.uniform(0, 0.1)
        if trial % 5 == 0:  # while starting or planning
            after = 0
        process = bulletin(tmp_project, env)
        kill_after(process, fake, after, extra if after else rng.uniform(0.2, 1.0))

        outputs = []
        for _ in range(3):  # resume; when told about unknown outcomes, choose
            again = bulletin(tmp_project, env, *(("--resend-unknown",) if resend else ("--skip-unknown",)) if outputs else ())
            out, _ = again.communicate(timeout=120)
            outputs.append(out)
            if again.returncode == 0:
                break
            assert "unknown" in out, out
        else:
            pytest.fail("the dispatch did not complete:\n" + "\n".join(outputs))
        assert not fake.invalid
        received = fake.recipients()

    batches = ledger_batches(tmp_project)
    assert sum(len(r) for _, _, r in batches) == MEMBERS  # every member planned exactly once
    where = {address: (state, unknown) for state, unknown, recipients in batches for address in recipients}
    assert set(where) == members
    assert set(received) <= members  # unsubscribed and off-list rows never
    for address in members:
        state, was_unknown = where[address]
        count = received[address]
        if count == 0:
            assert state == "skipped" and was_unknown, f"{address} missing from a {state} batch"
        elif count == 2:
            assert was_unknown and resend and state == "accepted", f"{address} twice from a {state} batch"
        else:
            assert count == 1, f"{address} received {count} times"
    assert Counter(state for state, _, _ in batches) <= Counter({"accepted": len(batches), "skipped": len(batches)})
