"""Size checks: Gmail clips HTML over 102 KB."""

from __future__ import annotations

from bulletin.build import prepare
from bulletin.check import run_checks
from bulletin.check.size import CLIP_BYTES, WARN_BYTES


def test_oversize_issue_with_many_long_items_is_an_error(tmp_project, news):
    summary = "A long summary of what happened at the meeting and what it means for members. " * 25
    for n in range(60):
        news(f"item-{n:02}.md", title=f"Item {n}", url=f"https://example.org/news/{n}", summary=summary,
             date=f"2022-{1 + n % 12:02}-{1 + n % 28:02}")
    report = run_checks(prepare("issues/check.yaml"))
    [finding] = [f for f in report.errors if f.code == "clipped"]
    assert report.stats["html_bytes"] > CLIP_BYTES
    assert f"{report.stats['html_bytes'] / 1024:.1f} KB" in finding.message
    assert finding.group == "size"


def test_close_to_the_limit_is_a_warning(tmp_project, published):
    result = prepare("issues/example.yaml")
    html = result.rendered.html
    result.rendered.html = html.replace("</body>", "<!--" + "x" * (WARN_BYTES + 10 - len(html.encode())) + "--></body>")
    report = run_checks(result)
    assert [f.code for f in report.warnings] == ["near-clipping"]
    assert report.ok


def test_example_issue_size_and_images_are_reported(tmp_project):
    report = run_checks(prepare("issues/example.yaml"))
    assert report.stats["images"] == 7
    assert 0 < report.stats["html_bytes"] < WARN_BYTES
    assert not [f for f in report.findings if f.group == "size"]
