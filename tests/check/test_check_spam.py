"""Spam score with the real SpamAssassin (Debian package `spamassassin`; CI installs it)."""

from __future__ import annotations

import email
import email.policy
import shutil

from click.testing import CliRunner

from bulletin.build import prepare
from bulletin.check import run_checks
from bulletin.check.message import build_message
from bulletin.check.spam import parse_report
from bulletin.cli import main

CAPS_TEMPLATE = """<mjml lang="en">
<mj-head><mj-title>{{ issue.subject }}</mj-title></mj-head>
<mj-body><mj-section><mj-column>
<mj-text><h1>FREE OFFER!!! ACT NOW!!! LIMITED TIME ONLY!!!</h1></mj-text>
{% for item in sections[0].items %}<mj-image src="https://example.org/img/banner{{ loop.index }}.jpg" alt="OFFER" href="{{ item.url }}" />
{% endfor %}
<mj-text><p>{{ org.name|upper }} {{ org.address|upper }} <a href="{{ unsubscribe_url }}">UNSUBSCRIBE</a></p></mj-text>
</mj-column></mj-section></mj-body></mjml>
"""
CAPS_TEXT = "FREE OFFER!!! ACT NOW!!! LIMITED TIME ONLY!!!\n{{ org.name|upper }} {{ org.address|upper }}\nUNSUBSCRIBE: {{ unsubscribe_url }}\n"


def require_spamassassin():
    assert shutil.which("spamassassin"), "install SpamAssassin: sudo apt-get install spamassassin"


def test_message_is_multipart_alternative_with_bulk_sender_headers(tmp_project):
    result = prepare("issues/example.yaml")
    raw = bytes(build_message(result))
    assert raw == bytes(build_message(result)), "the message must be the same every time"
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    assert msg.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in msg.iter_parts()] == ["text/plain", "text/html"]
    assert msg["From"] == "ESNF Bulletin <bulletin@example.org>"
    assert msg["Subject"] == "Bulletin on EU Social Affairs #7 — January to June 2021"
    assert msg["List-Unsubscribe"] == "<mailto:communications@example.org?subject=unsubscribe>, <https://example.org/unsubscribe?u=sample>"
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert msg["Date"] == "Thu, 01 Jul 2021 09:00:00 +0000"
    for name in ("To", "Message-ID", "MIME-Version", "Reply-To"):
        assert msg[name], name
    html = msg.get_body(("html",)).get_content()
    assert "Dear colleague," in html and "*|NAME|*" not in html and "<%asm" not in html
    assert 'href="https://example.org/unsubscribe?u=sample"' in html


def test_scored_message_has_the_headers_of_the_sent_one(tmp_project):
    """The spam check scores what the outbox shows would be sent: the same builder, the same headers."""
    result = CliRunner().invoke(main, ["send", "issues/example.yaml", "--list", "members", "--yes"])
    assert result.exit_code == 0, result.output
    [eml] = (tmp_project / "outbox" / "example").rglob("*.eml")
    sent = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
    scored = email.message_from_bytes(bytes(build_message(prepare("issues/example.yaml"))), policy=email.policy.default)
    assert sorted(scored.keys()) == sorted(sent.keys())
    for name in ("From", "Subject", "Reply-To", "List-Unsubscribe-Post", "X-Categories"):
        assert scored[name] == sent[name], name
    assert sent["List-Unsubscribe"].replace("<%asm_group_unsubscribe_raw_url%>", "https://example.org/unsubscribe?u=sample") \
        == scored["List-Unsubscribe"]


def test_example_issue_scores_at_most_one(tmp_project):
    require_spamassassin()
    report = run_checks(prepare("issues/example.yaml"), spam=True)
    spam = report.stats["spam"]
    assert spam["score"] <= 1.0, spam
    assert report.ok and not [f for f in report.findings if f.group == "spam" and f.severity != "note"]
    [note] = [f for f in report.notes if f.code == "spam-score"]
    assert note.message.startswith(f"SpamAssassin score {spam['score']:g}")
    assert "HTML_MESSAGE" in [rule["name"] for rule in spam["rules"]]


def test_all_caps_image_only_message_scores_higher_and_is_flagged(tmp_project, write):
    require_spamassassin()
    example = run_checks(prepare("issues/example.yaml"), spam=True).stats["spam"]["score"]
    write("templates/default/email.mjml.j2", CAPS_TEMPLATE)
    write("templates/default/email.txt.j2", CAPS_TEXT)
    spec = (tmp_project / "issues/example.yaml").read_text()
    write("issues/example.yaml", spec.replace('subject: "Bulletin on EU Social Affairs #7 — January to June 2021"',
                                              'subject: "FREE OFFER!!! ACT NOW!!! YOU HAVE BEEN SELECTED"'))
    report = run_checks(prepare("issues/example.yaml"), spam=True)
    spam = report.stats["spam"]
    assert spam["score"] >= 2.0 and spam["score"] > example + 1
    [finding] = [f for f in report.findings if f.code == "spam-score"]
    assert finding.severity in ("warning", "error")
    names = [rule["name"] for rule in spam["rules"]]
    assert "UPPERCASE_75_100" in names and "SUBJ_ALL_CAPS" in names
    assert "UPPERCASE_75_100 (1.5): message body is 75-100% uppercase" in finding.message


def test_missing_spamassassin_is_a_note_not_an_error(tmp_project, tmp_path, monkeypatch):
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    report = run_checks(prepare("issues/example.yaml"), spam=True)
    [note] = report.notes
    assert note.code == "spamassassin-missing" and "apt-get install spamassassin" in note.message
    assert report.ok and report.stats["spam"] is None


def test_parse_report_reads_score_rules_and_descriptions():
    output = (b"X-Spam-Checker-Version: SpamAssassin 4.0.1 (2024-03-25) on host\n"
              b"X-Spam-Status: Yes, score=6.2 required=5.0 tests=SUBJ_ALL_CAPS,\n\tUPPERCASE_75_100 autolearn=disabled\n"
              b"Subject: X\n\nbody\n"
              b"Content analysis details:   (6.2 points, 5.0 required)\n\n"
              b" pts rule name              description\n"
              b"---- ---------------------- --------------------------------------------------\n"
              b" 4.7 UPPERCASE_75_100       message body is 75-100% uppercase and\n"
              b"                            also very long\n"
              b" 1.5 SUBJ_ALL_CAPS          Subject is all capitals\n")
    verdict = parse_report(output)
    assert (verdict.score, verdict.required, verdict.version) == (6.2, 5.0, "SpamAssassin 4.0.1 (2024-03-25)")
    assert [(r.name, r.score, r.description) for r in verdict.rules] == [
        ("UPPERCASE_75_100", 4.7, "message body is 75-100% uppercase and also very long"),
        ("SUBJ_ALL_CAPS", 1.5, "Subject is all capitals"),
    ]


def test_score_of_five_or_more_is_an_error(tmp_project, tmp_path, monkeypatch):
    # a stand-in spamassassin that reads the message and answers like the real one for a spammy mail
    fake = tmp_path / "bin" / "spamassassin"
    fake.parent.mkdir()
    fake.write_text("#!/bin/sh\ncat >/dev/null\nprintf 'X-Spam-Status: Yes, score=7.5 required=5.0 tests=SUBJ_ALL_CAPS "
                    "autolearn=disabled\\n\\nbody\\nContent analysis details:   (7.5 points, 5.0 required)\\n\\n"
                    " 7.5 SUBJ_ALL_CAPS          Subject is all capitals\\n'\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{fake.parent}:/usr/bin:/bin")
    report = run_checks(prepare("issues/example.yaml"), spam=True)
    [finding] = report.errors
    assert finding.code == "spam-score" and finding.group == "spam"
    assert finding.message.startswith("SpamAssassin score 7.5 (rules: SUBJ_ALL_CAPS 7.5): spam filters will likely")
    assert not report.ok
