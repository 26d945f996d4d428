"""`bulletin init`: a project of one's own from options or prompts; never overwriting; the website asked if it is WordPress."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from bulletin.cli import main
from bulletin.config import load_project
from bulletin.init import SUBSCRIBERS_HEADER
from bulletin.model import WordPressSource
from fakes.wordpress_server import FakeWordPress

REPO = Path(__file__).resolve().parent.parent
OPTIONS = ["--name", 'CECOP & "Friends"', "--address", "Avenue Milcamps 105, 1030 Brussels", "--email", "news@cecop.coop",
           "--timezone", "Europe/Brussels"]


@pytest.fixture
def empty(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "here"
    folder.mkdir()
    monkeypatch.chdir(folder)
    return folder


def run(*args: str, input: str | None = None):  # noqa: A002 - click's name
    return CliRunner().invoke(main, ["init", *args], input=input, catch_exceptions=False)


def test_with_options_it_makes_a_whole_project(empty):
    result = run("cecop-bulletin", *OPTIONS, "--yes")

    assert result.exit_code == 0, result.output
    root = empty / "cecop-bulletin"
    project = load_project(root)
    assert project.organisation.name == 'CECOP & "Friends"'
    assert project.organisation.address == "Avenue Milcamps 105, 1030 Brussels"
    assert (project.sender.email, project.sender.name) == ("news@cecop.coop", 'CECOP & "Friends"')
    assert project.timezone == "Europe/Brussels" and project.transport == "outbox"
    assert project.source == ["content/"]
    assert (root / "subscribers.csv").read_text() == SUBSCRIBERS_HEADER == "email,name,first_name,lists,status,language\n"
    assert (root / "issues").is_dir() and (root / "content" / "README.md").is_file()
    templates = (root / "templates" / "README.md").read_text()
    assert templates == (REPO / "templates" / "README.md").read_text()  # the starter's copy is kept the same
    assert "bulletin theme copy" in templates
    ignored = (root / ".gitignore").read_text()
    assert {"build/", "outbox/", ".bulletin/cache/"} <= set(ignored.split())
    assert ".bulletin/\n" not in ignored and ".bulletin/ledger.db" in ignored and "back it up" in ignored
    assert ".bulletin/ledger.db" in result.output
    assert result.output.splitlines()[-1] == "Next: cd cecop-bulletin && bulletin new-issue 2021-h1 --from 2021-01-01 --to 2021-06-30"


def test_the_current_folder_is_used_when_it_is_empty(empty):
    result = run(*OPTIONS, "--yes")

    assert result.exit_code == 0, result.output
    assert load_project(empty).sender.email == "news@cecop.coop"


def test_a_current_folder_with_files_is_refused(empty):
    (empty / "notes.txt").write_text("mine")

    result = run(*OPTIONS, "--yes")

    assert result.exit_code == 2
    assert result.output == ("Error: the current folder is not empty (it holds notes.txt): give the name of a new folder, "
                             "e.g. bulletin init my-bulletin\n")
    assert sorted(p.name for p in empty.iterdir()) == ["notes.txt"]


def test_an_existing_project_is_never_overwritten(empty):
    (empty / "bulletin.yaml").write_text("organisation: {name: Mine}\n")

    result = run(".", *OPTIONS, "--yes")

    assert result.exit_code == 2
    assert "bulletin.yaml already exists: this folder is a bulletin project already (nothing was changed)" in result.output
    assert (empty / "bulletin.yaml").read_text() == "organisation: {name: Mine}\n"
    assert sorted(p.name for p in empty.iterdir()) == ["bulletin.yaml"]


def test_a_folders_own_gitignore_is_kept(empty):
    (empty / ".gitignore").write_text("*.tmp\n")

    result = run(*OPTIONS, "--yes")

    assert result.exit_code == 0, result.output
    assert (empty / ".gitignore").read_text() == "*.tmp\n"
    assert "Kept the folder's own .gitignore: add build/, outbox/ and .bulletin/cache/ to it." in result.output


def test_missing_answers_without_a_terminal_are_one_error_listing_them(empty):
    result = run("new", "--email", "news@cecop.coop")

    assert result.exit_code == 2
    assert result.output == ("Error: missing answers (there is no terminal to ask them): --name (the organisation's name), "
                             "--address (its postal address); give them as options\n")
    assert not (empty / "new").exists()


def test_every_bad_answer_is_named_at_once_and_nothing_is_written(empty):
    result = run("new", "--name", "X", "--address", "Y", "--email", "news(at)cecop", "--website", "not a site",
                 "--timezone", "Europe/Brussel", "--yes")

    assert result.exit_code == 2
    assert result.output.splitlines() == [
        "Error: Some answers cannot be used (3 problems):",
        "  --email: expected an email address, got 'news(at)cecop'",
        "  --website: expected the whole address of a website, like https://www.example.org, got 'https://not a site'",
        "  --timezone: unknown time zone 'Europe/Brussel' (use a name like Europe/Brussels)",
    ]
    assert not (empty / "new").exists()


def test_on_a_terminal_it_asks_and_asks_again_until_an_answer_is_usable(empty, monkeypatch):
    monkeypatch.setattr("bulletin.cli.terminal.interactive", lambda: True)
    answers = ["CECOP", "Avenue Milcamps 105", "news(at)cecop", "news@cecop.coop", "", "", "Mars/Olympus", "Europe/Brussels"]

    result = run("mine", input="\n".join(answers) + "\n")

    assert result.exit_code == 0, result.output
    assert "Error: expected an email address, got 'news(at)cecop'" in result.output
    assert "Error: unknown time zone 'Mars/Olympus'" in result.output
    assert "Sender name in inboxes [CECOP]:" in result.output
    project = load_project(empty / "mine")
    assert (project.organisation.name, project.sender.name, project.organisation.website) == ("CECOP", "CECOP", None)
    assert project.timezone == "Europe/Brussels"


def test_on_a_terminal_options_given_are_not_asked_again(empty, monkeypatch):
    monkeypatch.setattr("bulletin.cli.terminal.interactive", lambda: True)

    result = run("mine", "--name", "CECOP", "--address", "Avenue Milcamps 105", "--email", "news@cecop.coop",
                 "--timezone", "UTC", input="\n\n")

    assert result.exit_code == 0, result.output
    assert "Organisation name" not in result.output and "Sender name in inboxes [CECOP]:" in result.output


def test_a_wordpress_website_becomes_the_default_source(empty):
    with FakeWordPress() as site:
        result = run("mine", *OPTIONS, "--website", site.url + "/", "--yes")

    assert result.exit_code == 0, result.output
    project = load_project(empty / "mine")
    assert project.organisation.website == site.url
    assert project.source == [WordPressSource(site.url)]
    assert f"{site.url} is a WordPress site (REST API at {site.url}/wp-json/)" in result.output


def test_a_wordpress_site_without_pretty_links_is_found_too(empty):
    with FakeWordPress(pretty=False) as site:
        result = run("mine", *OPTIONS, "--website", site.url, "--yes")

    assert result.exit_code == 0, result.output
    assert load_project(empty / "mine").source == [WordPressSource(site.url)]


@pytest.fixture
def plain_site() -> Iterator[str]:
    class Page(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            body = b"<!DOCTYPE html><html><head><title>Home</title></head><body>Hello</body></html>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Page)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_a_website_that_is_not_wordpress_leaves_content_as_the_source(empty, plain_site):
    result = run("mine", *OPTIONS, "--website", plain_site, "--yes")

    assert result.exit_code == 0, result.output
    project = load_project(empty / "mine")
    assert project.source == ["content/"] and project.organisation.website == plain_site
    assert f"Not WordPress ({plain_site} does not announce a WordPress REST API (HTTP 200))" in result.output
