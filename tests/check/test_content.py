"""Content checks on real builds of the example project, broken one rule at a time."""

from __future__ import annotations

from bulletin.build import prepare
from bulletin.check import run_checks


def codes(report, severity="error"):
    return [f.code for f in report.findings if f.severity == severity]


def test_example_issue_has_no_errors(tmp_project):
    report = run_checks(prepare("issues/example.yaml"))
    assert report.errors == [], report.errors
    assert report.ok


def test_minimal_template_passes(tmp_project, template):
    template()
    report = run_checks(prepare("issues/example.yaml"))
    assert report.errors == [], report.errors


def test_missing_unsubscribe_link_is_an_error_naming_the_template(tmp_project, template):
    template(footer='<a href="https://example.org/contact">Contact</a>')
    report = run_checks(prepare("issues/example.yaml"))
    [finding] = [f for f in report.errors if f.code == "no-unsubscribe"]
    assert finding.where == "templates/default/email.mjml.j2"
    assert not report.ok


def test_missing_postal_address_is_an_error(tmp_project, template):
    template(replace={"<br>{{ org.address }}": ""})
    report = run_checks(prepare("issues/example.yaml"))
    [finding] = [f for f in report.errors if f.code == "no-address"]
    assert "Rue de la Science 14" in finding.message
