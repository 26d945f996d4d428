"""bulletin.yaml and issue spec validation: every problem, with file:line."""

from __future__ import annotations

import datetime as dt
import textwrap

import pytest

from bulletin.config import load_issue, load_project
from bulletin.errors import ConfigError
from bulletin.model import WordPressSource


def spec(write, text: str):
    path = write("issues/t.yaml", textwrap.dedent(text))
    return load_issue(path, load_project(path))


def problems(write, text: str) -> list[str]:
    with pytest.raises(ConfigError) as info:
        spec(write, text)
    return [str(p) for p in info.value.problems]


GOOD = textwrap.dedent("""\
    title: T
    period: {start: 2021-01-01, end: 2021-06-30}
    sections:
      - {title: Events, tags: [Event]}
      - {title: More}
    """)


def test_example_issue_loads(tmp_project):
    project = load_project(tmp_project / "issues" / "example.yaml")
    issue = load_issue(tmp_project / "issues" / "example.yaml", project)
    assert issue.slug == "example"
    assert issue.period.start == dt.date(2021, 1, 1) and issue.period.end == dt.date(2021, 6, 30)
    assert [s.title for s in issue.sections][-1] == "More news"
    assert issue.sections[-1].tags == ()
    assert project.organisation.name == "European Social Network Federation"


def test_defaults(write):
    issue = spec(write, GOOD)
    assert issue.subject == "T" and issue.order == "newest" and issue.template == "default"
    assert issue.sources == ["content"]


def test_bad_date_names_line(write):
    found = problems(write, """\
        title: T
        period:
          start: soon
          end: 2021-06-30
        sections: [{title: A}]
        """)
    assert found == ["issues/t.yaml:3: period.start: expected a date like 2021-06-30, got 'soon'"]


def test_end_before_start(write):
    found = problems(write, """\
        title: T
        period: {start: 2021-06-30, end: 2021-01-01}
        sections: [{title: A}]
        """)
    assert found == ["issues/t.yaml:2: period.end: the period ends (2021-01-01) before it starts (2021-06-30)"]


def test_empty_period(write):
    found = problems(write, """\
        title: T
        period: {}
        sections: [{title: A}]
        """)
    assert found == ["issues/t.yaml:2: period.start: required", "issues/t.yaml:2: period.end: required"]


def test_missing_title_and_period(write):
    found = problems(write, "sections: [{title: A}]\n")
    assert found == ["issues/t.yaml:1: title: required", "issues/t.yaml:1: period: required"]


def test_unknown_key_with_hint(write):
    found = problems(write, GOOD + "prehaeder: hello\n")
    assert found == ["issues/t.yaml:6: prehaeder: unknown key (did you mean 'preheader'?)"]


def test_an_unknown_key_holding_a_block_is_reported_on_its_own_line(write):
    """Issue 9, defect 2: 'sectoins:' on line 6, its list below, was reported as line 7."""
    found = problems(write, GOOD + "sectoins:\n  - {title: Events, tags: [Event]}\nnotes:\n  Event: hi\n")
    assert found == [
        "issues/t.yaml:6: sectoins: unknown key (did you mean 'sections'?)",
        "issues/t.yaml:9: notes.Event: unknown key (did you mean 'Events'?)",
    ]


def test_all_problems_at_once(write):
    found = problems(write, """\
        title: T
        period: {start: 2021-13-01, end: later}
        order: random
        sections: [{title: A}]
        """)
    assert len(found) == 3


def test_yaml_syntax_error_names_line(write):
    with pytest.raises(ConfigError, match=r"issues/t.yaml:3: YAML syntax error"):
        spec(write, "title: T\nperiod: {start: 2021-01-01\nsections: [\n")


def test_unclosed_quote_names_the_line_where_it_opens(write):
    with pytest.raises(ConfigError) as info:
        spec(write, 'title: "Bulletin #8\nsubject: S\nperiod: {start: 2021-01-01, end: 2021-06-30}\nsections: [{title: A}]\n')
    assert str(info.value).startswith("issues/t.yaml:1: YAML syntax error: a quoted text starts on this line but its closing quote is missing")


def test_unclosed_bracket_says_where_it_opened(write):
    with pytest.raises(ConfigError) as info:
        spec(write, "title: T\norder: [newest\nperiod: {start: 2021-01-01, end: 2021-06-30}\nsections: [{title: A}]\n")
    assert "(is the '[' on line 2 missing its ']'?)" in str(info.value)


@pytest.mark.parametrize(
    ("web_url", "message"),
    [
        ("https://example.org/{foo}/{slug}/", "web_url: only {slug} is filled in"),
        ("https://example.org/{{slug}}/", "web_url: only {slug} is filled in"),
        ("https://example.org/{slug", "web_url: only {slug} is filled in"),
        ("https://example.org/bulletin/", "has no {slug}: every issue would link to the same page"),
    ],
)
def test_web_url_placeholders(write, web_url, message):
    path = write("bulletin.yaml", f"organisation: {{name: X, address: A}}\nsender: {{email: a@example.org}}\nweb_url: '{web_url}'\n")
    with pytest.raises(ConfigError) as info:
        load_project(path)
    assert [str(p.where) for p in info.value.problems] == ["bulletin.yaml:3"]
    assert message in str(info.value)


def test_site_settings(write):
    base = "organisation: {name: X, address: A}\nsender: {email: a@example.org}\n"
    project = load_project(write("bulletin.yaml", base))
    assert (project.site_dir, project.archive_url, project.subscribe_url) == ("site", None, None)
    path = write("bulletin.yaml", base + "site_dir: public\narchive_url: https://example.org/archive/\nsubscribe_url: mailto:join@example.org\n")
    project = load_project(path)
    assert (project.site_dir, project.archive_url, project.subscribe_url) == ("public", "https://example.org/archive/", "mailto:join@example.org")
    write("bulletin.yaml", base + "archive_url: example.org/archive\nsubscribe_url: www.example.org/join\n")
    with pytest.raises(ConfigError) as info:
        load_project(path)
    assert [str(p) for p in info.value.problems] == [
        "bulletin.yaml:3: archive_url: expected an http(s) address like https://example.org/bulletin/, got 'example.org/archive'",
        "bulletin.yaml:4: subscribe_url: expected an http(s) address like https://example.org/newsletter, got 'www.example.org/join'",
    ]


def test_blank_or_odd_source_entries_are_errors(write):
    found = problems(write, GOOD + "source: [content/, '', {path: x}]\n")
    assert found == [
        "issues/t.yaml:6: source[1]: expected a path or feed URL, got ''",
        "issues/t.yaml:6: source[2]: expected a path or feed URL or {wordpress: https://…}, got a mapping",
    ]
    assert problems(write, GOOD + "source: ' '\n") == ["issues/t.yaml:6: source: expected a path or feed URL, got ' '"]


def test_title_subject_and_preheader_are_one_line(write):
    issue = spec(write, GOOD.replace("title: T", "title: >-\n  Bulletin\n  #8") + "subject: |\n  Line one\n  Bcc: x@example.org\npreheader: \"a\\nb\"\n")
    assert (issue.title, issue.subject, issue.preheader) == ("Bulletin #8", "Line one Bcc: x@example.org", "a b")


def test_a_bad_title_is_reported_once(write):
    found = problems(write, GOOD.replace("title: T", "title: [T]"))
    assert found == ["issues/t.yaml:1: title: expected text, got a list"]


def test_issue_not_saved_as_utf8_names_the_line(tmp_project):
    (tmp_project / "issues" / "t.yaml").write_bytes("title: T\nsubject: Caf\u00e9\n".encode("cp1252"))
    with pytest.raises(ConfigError, match=r"^issues/t.yaml: not UTF-8 text \(byte 21, line 2\); save it as UTF-8$"):
        load_issue(tmp_project / "issues" / "t.yaml", load_project(tmp_project))


def test_project_errors(write):
    write("bulletin.yaml", "organisation: {name: X}\nsender: {email: nope}\ntransport: smtp\ntimezone: Mars/Base\n")
    with pytest.raises(ConfigError) as info:
        load_project()
    assert [str(p) for p in info.value.problems] == [
        "bulletin.yaml:1: organisation.address: required",
        "bulletin.yaml:2: sender.email: expected an email address, got 'nope'",
        "bulletin.yaml:3: transport: expected one of outbox, sendgrid, got 'smtp'",
        "bulletin.yaml:4: timezone: unknown time zone 'Mars/Base' (use a name like Europe/Brussels)",
    ]


def test_a_value_checked_twice_is_one_problem(write):
    write("bulletin.yaml", "organisation: {name: X, address: A}\nsender: {email: a@example.org, reply_to: [b@example.org]}\n")
    with pytest.raises(ConfigError) as info:
        load_project()
    assert [str(p) for p in info.value.problems] == ["bulletin.yaml:2: sender.reply_to: expected text, got a list"]


def test_sender_and_organisation_names_are_one_line(write):
    path = write("bulletin.yaml", "organisation: {name: \"ESNF\\nBrussels\", address: A}\nsender:\n  email: a@example.org\n  name: |\n    ESNF\n    Bulletin\n")
    project = load_project(path)
    assert (project.organisation.name, project.sender.name) == ("ESNF Brussels", "ESNF Bulletin")


def test_merge_fallbacks_are_checked(write):
    head = "organisation: {name: X, address: A}\nsender: {email: a@example.org}\n"
    write("bulletin.yaml", head + "merge_fallbacks: 3.5\n")
    with pytest.raises(ConfigError) as info:
        load_project()
    assert [str(p) for p in info.value.problems] == ["bulletin.yaml:3: merge_fallbacks: expected column names and texts like {name: colleague}, got float 3.5"]
    write("bulletin.yaml", head + "merge_fallbacks:\n  first name: friend\n  name: [a]\n")
    with pytest.raises(ConfigError) as info:
        load_project()
    assert [str(p) for p in info.value.problems] == [
        "bulletin.yaml:4: merge_fallbacks.first name: expected a subscriber column name (letters, digits and _), like name",
        "bulletin.yaml:5: merge_fallbacks.name: expected text, got a list",
    ]
    write("bulletin.yaml", head + "merge_fallbacks: {name: colleague, count: 0}\n")
    assert load_project().merge_fallbacks == {"name": "colleague", "count": "0"}


def test_no_project_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError, match="no bulletin.yaml found"):
        load_project()


def test_repeated_key(write):
    found = problems(write, GOOD + "title: Again\n")
    assert found == ["issues/t.yaml:6: title: repeated (first on line 1)"]


def test_empty_issue_file(write):
    with pytest.raises(ConfigError, match=r"^issues/t.yaml: the file is empty"):
        spec(write, "")


def test_sendgrid_category_limits(write):
    long = "x" * 256
    write("bulletin.yaml", "organisation: {name: X, address: Y}\nsender: {email: a@b.org}\n"
          f"sendgrid:\n  categories:\n    - ok\n    - {long}\n")
    with pytest.raises(ConfigError) as info:
        load_project()
    assert [str(p) for p in info.value.problems] == [
        "bulletin.yaml:6: sendgrid.categories[1]: SendGrid allows at most 255 characters in a category, got 256",
    ]


def test_a_hash_in_an_unquoted_title_is_not_silently_cut(write):
    # YAML reads " #8" as a comment: the subject would go out as "Bulletin on EU Social Affairs"
    found = problems(write, """\
        title: Bulletin on EU Social Affairs #8
        period: {start: 2021-01-01, end: 2021-06-30}   # a real comment is fine
        sections: [{title: A}]
        """)
    assert found == [
        "issues/t.yaml:1: title: ' #8' is read as a comment, leaving 'Bulletin on EU Social Affairs'; "
        "put the whole text in double quotes: title: \"Bulletin on EU Social Affairs #8\""
    ]


def test_a_comment_after_a_title_with_a_space_after_the_hash_is_a_comment(write):
    issue = spec(write, 'title: Bulletin   # the June issue\nsubject: "Bulletin #8"\n' + GOOD.partition("\n")[2])
    assert (issue.title, issue.subject) == ("Bulletin", "Bulletin #8")


def test_a_date_where_a_mapping_belongs_is_shown_as_the_user_wrote_it(write):
    found = problems(write, "title: T\nperiod: 2021-01-01\nsections: [{title: A}]\n")
    assert found == ["issues/t.yaml:2: period: expected a mapping of keys (start, end), got 2021-01-01"]


def test_problems_are_listed_in_line_order(write):
    found = problems(write, """\
        title: [T]
        period: {start: soon, end: 2021-06-30}
        sections: [{title: A}]
        order: Newest
        pin: https://example.org/x
        notes: {B: x}
        """)
    assert [p.split(":")[1] for p in found] == ["1", "2", "4", "5", "6"]


def test_an_issue_name_too_long_for_the_file_system_is_a_clear_error(tmp_project):
    path = tmp_project / "issues" / ("a" * 300 + ".yaml")
    with pytest.raises(ConfigError) as info:
        load_issue(path, load_project(path))
    assert str(info.value) == f"issues/{'a' * 300}.yaml: cannot read: File name too long"


@pytest.mark.parametrize("typed", ["issues/example", "example", "example.yaml"])
def test_an_issue_named_without_its_folder_or_yaml_suffix_gets_the_path_to_type(tmp_project, typed):
    with pytest.raises(ConfigError) as info:
        load_issue(tmp_project / typed, load_project(tmp_project))
    assert str(info.value) == f"{typed}: file not found (did you mean issues/example.yaml?)"


@pytest.mark.parametrize("given", ["content/2021-06-10-industrial-strategy.md", "subscribers.example.csv", "bulletin.yaml"])
def test_a_file_that_is_not_an_issue_is_named_as_such(tmp_project, given):
    # not a YAML error about '---' inside a Markdown item, nor "web_url: unknown key" for bulletin.yaml
    with pytest.raises(ConfigError) as info:
        load_issue(tmp_project / given, load_project(tmp_project))
    assert str(info.value).startswith(f"{given}: not an issue file; ")
    assert "issues/" in str(info.value)


def test_a_control_character_in_an_issue_names_its_line(write):
    with pytest.raises(ConfigError) as info:
        spec(write, "title: T\nintro: \"a\x00b\"\n")
    assert str(info.value).startswith("issues/t.yaml:2: YAML error: an invisible control character (U+0000) is not allowed")


@pytest.mark.parametrize(("line", "title"), [
    ("title: EU Strategy: our reaction", "EU Strategy: our reaction"),
    ('title: "EU" strategy', '"EU" strategy'),
    ("title: [Draft] Our reaction", "[Draft] Our reaction"),
    ("title: @ESNF at the summit", "@ESNF at the summit"),
    ('title: "Stand Up for Social Europe: "A solidarity Action Plan for All" event"',
     'Stand Up for Social Europe: "A solidarity Action Plan for All" event'),
    ('title: "Porto" and "Lisbon": two summits', '"Porto" and "Lisbon": two summits'),
])
def test_the_double_quote_hint_is_never_a_wrong_fix(write, line, title):
    """Issue 9: for title: "Stand Up …: "A …" event" the hint proposed a value that built with stray outer quotes."""
    rest = "\nperiod: {start: 2021-01-01, end: 2021-06-30}\nsections: [{title: A}]\n"
    with pytest.raises(ConfigError) as info:
        spec(write, line + rest)
    message = str(info.value)
    assert "issues/t.yaml:1: YAML syntax error" in message and "needs double quotes around it: title: " in message
    fix = message.rpartition("needs double quotes around it: ")[2].rstrip(")")
    assert spec(write, fix + rest).title == title


def test_a_wordpress_source_with_category_names(write):
    issue = spec(write, GOOD + "source: {wordpress: https://www.example.org/, categories: [News], exclude_categories: [Jobs]}\n")

    assert issue.sources == [WordPressSource("https://www.example.org", ("News",), ("Jobs",))]


def test_a_wordpress_source_with_mistakes_names_each(write):
    found = problems(write, GOOD + textwrap.dedent("""\
        source:
          - {wordpress: www.example.org}
          - {wordpress: https://www.example.org, categorys: [News]}
          - {wordpress: "not a site", categories: News}
        """))

    assert found == [
        "issues/t.yaml:7: source[0].wordpress: write the whole address, with https://: https://www.example.org",
        "issues/t.yaml:8: source[1].categorys: unknown key (did you mean 'categories'?)",
        "issues/t.yaml:9: source[2].wordpress: expected the whole address of a website, like https://www.example.org, got 'not a site'",
        "issues/t.yaml:9: source[2].categories: expected a list of category names like [News], got 'News'",
    ]


def test_bulletin_yaml_names_the_default_source_and_an_issues_own_wins(write):
    project = write("bulletin.yaml", (REPO_SETTINGS + "source: {wordpress: https://www.example.org}\n"))
    assert load_project(project).source == [WordPressSource("https://www.example.org")]

    assert spec(write, GOOD).sources == [WordPressSource("https://www.example.org")]
    assert spec(write, GOOD + "source: items.csv\n").sources == ["items.csv"]


def test_a_bad_default_source_is_named_in_bulletin_yaml(write):
    write("bulletin.yaml", REPO_SETTINGS + "source: {wordpress: ftp://example.org}\n")

    with pytest.raises(ConfigError) as info:
        load_project()

    assert [str(p) for p in info.value.problems] == [
        "bulletin.yaml:5: source.wordpress: expected the whole address of a website, like https://www.example.org, got 'ftp://example.org'"
    ]


def test_a_website_that_is_not_an_address_is_an_error(write):
    write("bulletin.yaml", "organisation: {name: X, address: Y, website: example}\nsender: {email: a@example.org}\n")

    with pytest.raises(ConfigError) as info:
        load_project()

    assert [str(p) for p in info.value.problems] == [
        "bulletin.yaml:1: organisation.website: expected the whole address of a website, like https://www.example.org, got 'example'"
    ]


REPO_SETTINGS = "organisation: {name: X, address: Y}\nsender: {email: a@example.org}\ntimezone: UTC\nlang: en\n"


def test_messages_reword_the_theme_per_language(write):
    base = "organisation: {name: X, address: A}\nsender: {email: a@example.org}\n"
    assert load_project(write("bulletin.yaml", base)).messages == {}
    text = base + "messages:\n  fr-BE: {read_more: \"Lire l'article\"}\n  en:\n    unsubscribe: Leave\n"
    assert load_project(write("bulletin.yaml", text)).messages == {"fr-BE": {"read_more": "Lire l'article"}, "en": {"unsubscribe": "Leave"}}


def test_bad_messages_name_their_lines(write):
    base = "organisation: {name: X, address: A}\nsender: {email: a@example.org}\n"
    path = write("bulletin.yaml", base + "messages:\n  fr:\n    unsubcribe: Se désinscrire\n    why: ''\n  french: {read_more: x}\n  de: Weiterlesen\n")
    with pytest.raises(ConfigError) as info:
        load_project(path)
    assert [str(p) for p in info.value.problems] == [
        "bulletin.yaml:5: messages.fr.unsubcribe: unknown key (did you mean 'unsubscribe'?)",
        "bulletin.yaml:6: messages.fr.why: empty: write the text, or leave the key out to keep the theme's",
        "bulletin.yaml:7: messages.french: expected a language code like fr or fr-BE, then its texts:"
        " languages and texts like {fr: {read_more: Lire l'article}}",
        "bulletin.yaml:8: messages.de: expected a mapping of keys (read_more, featured, in_this_issue, view_in_browser, unsubscribe,"
        " why, all_issues, subscribe, archive_description, archive_subscribe, archive_follow, archive_empty, sent, published,"
        " greeting, colleague),"
        " got 'Weiterlesen'",
    ]
