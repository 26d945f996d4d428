"""The store of cssutils' results: JSON tables keyed by text, written only when something new was computed."""

from __future__ import annotations

import json

from bulletin.render.resultcache import ResultCache


def test_values_are_computed_once_and_kept_between_runs(tmp_path):
    path = tmp_path / "css.json"
    calls: list[str] = []
    cache = ResultCache(path, "v1")

    assert cache.get("pairs", "color:red", lambda: calls.append("x") or [["color", "red"]]) == [["color", "red"]]
    assert cache.get("pairs", "color:red", lambda: calls.append("y") or []) == [["color", "red"]]
    cache.save()

    assert calls == ["x"]
    assert ResultCache(path, "v1").get("pairs", "color:red", lambda: calls.append("z")) == [["color", "red"]]
    assert calls == ["x"]


def test_what_another_run_wrote_meanwhile_is_kept(tmp_path):
    path = tmp_path / "css.json"
    ours, theirs = ResultCache(path, "v1"), ResultCache(path, "v1")
    theirs.get("floats", "float:left", lambda: "left")
    theirs.save()
    ours.get("floats", "float:right", lambda: "right")
    ours.save()

    assert json.loads(path.read_text(encoding="utf-8"))["tables"]["floats"] == {"float:left": "left", "float:right": "right"}


def test_nothing_is_written_when_nothing_was_computed(tmp_path):
    path = tmp_path / "css.json"
    ResultCache(path, "v1").save()
    assert not path.exists()

    cache = ResultCache(path, "v1")
    cache.get("floats", "float:left", lambda: "left")
    cache.save()
    before = path.stat().st_mtime_ns
    kept = ResultCache(path, "v1")
    kept.get("floats", "float:left", lambda: "right")
    kept.save()

    assert path.stat().st_mtime_ns == before


def test_beyond_the_limit_only_the_last_runs_entries_are_kept(tmp_path):
    path = tmp_path / "css.json"
    cache = ResultCache(path, "v1", limit=2)
    for key in ("a", "b"):
        cache.get("floats", key, lambda: "")
    cache.save()
    cache = ResultCache(path, "v1", limit=2)
    cache.get("floats", "c", lambda: "left")
    cache.save()

    assert json.loads(path.read_text(encoding="utf-8"))["tables"]["floats"] == {"c": "left"}
