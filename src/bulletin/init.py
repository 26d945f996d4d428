"""`bulletin init`: a project folder of one's own (bulletin.yaml from the answers, content/, issues/, ...).

Every answer is checked as bulletin.yaml checks it, and the file written is loaded once before anything is
written. Nothing is ever overwritten. With a website, the site is asked whether it is WordPress; if so it
becomes the default source of new issues.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from .config import PROJECT_FILE, email_problem, load_project, timezone_problem, website_problem
from .errors import BulletinError, Command, ConfigError, Option, Phrase, Problem, raise_if

STARTER = Path(__file__).resolve().parent / "starter"
SUBSCRIBERS_HEADER = "email,name,first_name,lists,status,language\n"
#: The answers a project needs, each named by its input (the CLI: its option) and said in words.
REQUIRED = {"name": (Option.NAME, "the organisation's name"), "address": (Option.ADDRESS, "its postal address"),
            "email": (Option.EMAIL, "the address the bulletin is sent from")}

Discover = Callable[[str], tuple[str | None, str]]
Prompt = Callable[[str, str | None, Callable[[str], str]], str]  # (question, default, check) -> the accepted answer


@dataclass
class Answers:
    """What ``bulletin init`` asks; None: not answered."""

    name: str | None = None
    address: str | None = None
    email: str | None = None
    sender_name: str | None = None
    website: str | None = None
    timezone: str | None = None


@dataclass
class Created:
    """What init made: the folder, the files written, and what it found out about the website."""

    folder: Path
    files: list[str] = field(default_factory=list)
    wordpress: str | None = None  # the site's address when it is WordPress (the default source)
    website_note: str | None = None  # what asking the website found
    kept_gitignore: bool = False  # the folder had a .gitignore (left as it was)

    def report(self, named: str | None) -> list[str]:
        """What to tell the user: what was made, what the website is, where the ledger will be, what next."""
        lines = [f"Created the bulletin project in {named or '.'}: {', '.join(self.files)}"]
        if self.kept_gitignore:
            lines.append("Kept the folder's own .gitignore: add build/, outbox/ and .bulletin/cache/ to it.")
        if self.wordpress:
            lines.append(f"{self.website_note}: new issues take their items from its posts (source: in bulletin.yaml).")
        elif self.website_note:
            lines.append(f"Not WordPress ({self.website_note}): new issues take their items from content/ "
                         "(see content/README.md; a feed works too: source: https://…/feed/).")
        lines.append("Every send is recorded in .bulletin/ledger.db once you send: keep that file and back it up "
                     "(it is how bulletin never mails anyone twice).")
        step = f"cd {named} && " if named else ""
        lines.append(Phrase(f"Next: {step}", Command("new-issue", "2021-h1", ((Option.START, "2021-01-01"), (Option.END, "2021-06-30")))))
        return lines


def missing(answers: Answers) -> list[Phrase]:
    """The required answers not given, each its input and what it is ("name (the organisation's name)")."""
    return [Phrase(option, f" ({what})") for option, what in _unanswered(answers)]


def _unanswered(answers: Answers) -> list[tuple[Option, str]]:
    return [(option, what) for key, (option, what) in REQUIRED.items() if not (getattr(answers, key) or "").strip()]


def check_folder(folder: Path, *, named: bool) -> None:
    """Refuse a folder that holds a project already, or (when it is the current one, or exists) other files."""
    if (folder / PROJECT_FILE).exists():
        raise ConfigError(f"{folder / PROJECT_FILE} already exists: this folder is a bulletin project already (nothing was changed)")
    if folder.exists() and not folder.is_dir():
        raise ConfigError(f"{folder}: is a file, not a folder")
    held = sorted(p.name for p in folder.iterdir() if not p.name.startswith(".")) if folder.is_dir() else []
    if held:
        shown = ", ".join(held[:5]) + (", …" if len(held) > 5 else "")
        where = f"{folder} is not empty" if named else "the current folder is not empty"
        raise ConfigError(f"{where} (it holds {shown}): give the name of a new folder, e.g. bulletin init my-bulletin")


def local_timezone() -> str:
    """This computer's time zone name (e.g. Europe/Brussels), else UTC."""
    name = os.environ.get("TZ", "").lstrip(":")
    if name and not timezone_problem(name):
        return name
    try:
        target = os.readlink("/etc/localtime")
    except OSError:
        return "UTC"
    name = target.split("zoneinfo/", 1)[-1]
    return name if "zoneinfo/" in target and not timezone_problem(name) else "UTC"


def normalise(answers: Answers) -> Answers:
    """Answers trimmed, with defaults (sender name: the organisation's; time zone: this computer's), and
    ``www.example.org`` read as https://www.example.org."""
    text = {key: " ".join((value or "").split()) or None for key, value in vars(answers).items() if key != "address"}
    address = (answers.address or "").strip() or None
    website = text["website"]
    if website and not website.lower().startswith(("http://", "https://")):
        website = f"https://{website}"
    return Answers(text["name"], address, text["email"], text["sender_name"] or text["name"], website and website.rstrip("/"),
                   text["timezone"] or local_timezone())


def problems(answers: Answers) -> list[Problem]:
    """Every answer that bulletin.yaml would refuse, named by its input (the CLI: its option)."""
    found = [Problem(Phrase(option), "required") for option, _ in _unanswered(answers)]
    checks = ((Option.EMAIL, answers.email, email_problem), (Option.WEBSITE, answers.website, website_problem),
              (Option.TIMEZONE, answers.timezone, timezone_problem))
    found += [Problem(Phrase(option), check(value) or "") for option, value, check in checks if value and check(value)]
    return found


def ask(given: Answers, prompt: Prompt) -> Answers:
    """Ask (through ``prompt``) every answer not given, each checked as bulletin.yaml checks it."""

    def checked(problem: Callable[[str], str | None] | None, optional: bool = False, web: bool = False) -> Callable[[str], str]:
        def check(value: str) -> str:
            value = value.strip()
            if optional and not value:
                return ""
            if web and not value.lower().startswith(("http://", "https://")):
                value = f"https://{value}"  # www.example.org, as people type it
            found = (problem(value) if problem else None) if value else "required"
            if found:
                raise ConfigError(found)
            return value
        return check

    def one(value: str | None, question: str, check: Callable[[str], str], default: str | None = None) -> str:
        return value or prompt(question, default, check)

    name = one(given.name, "Organisation name", checked(None))
    address = one(given.address, "Postal address (shown in every email)", checked(None))
    email = one(given.email, "Sender address (From:)", checked(email_problem))
    sender = one(given.sender_name, "Sender name in inboxes", checked(None), default=name)
    website = given.website if given.website is not None else \
        prompt("Website (empty: none)", "", checked(website_problem, optional=True, web=True))
    zone = one(given.timezone, "Time zone", checked(timezone_problem), default=local_timezone())
    return Answers(name, address, email, sender, website or None, zone)


def init_project(folder: str | os.PathLike[str], answers: Answers, *, named: bool = True, discover: Discover | None = None) -> Created:
    """Make a bulletin project in ``folder`` from ``answers``; raise ConfigError listing every bad answer, write nothing then."""
    target = Path(folder)
    check_folder(target, named=named)
    answers = normalise(answers)
    raise_if(problems(answers), ConfigError, "Some answers cannot be used")
    created = Created(target)
    if answers.website:
        from .sources.wordpress import discover as ask_site

        created.wordpress, created.website_note = (discover or ask_site)(answers.website)
    settings = project_text(answers, created.wordpress)
    _validate(settings)
    files = {
        PROJECT_FILE: settings,
        "content/README.md": (STARTER / "content-README.md").read_text(encoding="utf-8"),
        "templates/README.md": (STARTER / "templates-README.md").read_text(encoding="utf-8"),
        "subscribers.csv": SUBSCRIBERS_HEADER,
        ".gitignore": (STARTER / "gitignore").read_text(encoding="utf-8"),
    }
    if (target / ".gitignore").exists():  # a folder cloned from an empty repository: its own is kept
        del files[".gitignore"]
        created.kept_gitignore = True
    try:
        (target / "issues").mkdir(parents=True, exist_ok=True)
        for name, text in files.items():
            path = target / name
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("x", encoding="utf-8") as handle:  # "x": never overwrite, even a file made meanwhile
                handle.write(text)
            created.files.append(name)
    except FileExistsError as exc:
        raise ConfigError(f"{exc.filename}: already exists; nothing of it was changed") from None
    except OSError as exc:
        raise BulletinError(f"cannot create the project in {target}: {exc.strerror or exc}") from None
    created.files.insert(1, "issues/")
    return created


def project_text(answers: Answers, wordpress: str | None) -> str:
    """bulletin.yaml for the answers."""
    q = lambda value: json.dumps(value, ensure_ascii=False)  # noqa: E731 - a JSON string is a YAML double-quoted one
    website = f"\n  website: {q(answers.website)}" if answers.website else ""
    if wordpress:
        source = (f"source: {{wordpress: {q(wordpress)}}}   # new issues take their items from the website's posts\n"
                  "# source: content/               # or: Markdown files in content/ (see content/README.md)\n")
    else:
        source = ("source: content/                 # new issues take their items from Markdown files in content/;\n"
                  "# source: https://www.example.org/feed/    # or from a feed; or {wordpress: https://www.example.org}\n")
    return f"""\
# Settings of this bulletin, made by bulletin init. Secrets never go here: the SendGrid key comes from SENDGRID_API_KEY.
organisation:
  name: {q(answers.name)}
  address: {q(answers.address)}{website}
sender:
  email: {q(answers.email)}
  name: {q(answers.sender_name)}
subscribers: subscribers.csv      # your member lists (email,name,first_name,lists,status,language)
transport: outbox                 # outbox: writes each mailing to outbox/, sends nothing; sendgrid: really sends
timezone: {answers.timezone}
{source}# Your look (README, "5. Change the look"): colours in quotes, links and buttons in the accent.
# brand: {{logo: {{src: "https://www.example.org/logo.png", alt: Logo, width: 160}}, colour: "#1e3a5f", accent: "#1d4ed8"}}
# greeting: "Dear {{first_name}},"
"""


def _validate(settings: str) -> None:
    """Load the text as bulletin.yaml is loaded, in a scratch folder: what init writes is always a valid project."""
    with tempfile.TemporaryDirectory(prefix="bulletin-init-") as scratch:
        path = Path(scratch) / PROJECT_FILE
        path.write_text(settings, encoding="utf-8")
        load_project(path)
