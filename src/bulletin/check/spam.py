"""Spam score (--spam): the real MIME message scored offline by SpamAssassin, when it is installed.

Runs ``spamassassin -L -t`` (local tests only, no network) with the rules shipped by the package
(``/usr/share/spamassassin`` on Debian/Ubuntu), an empty site configuration so local admin
tweaks do not change the result, the non-network rule plugins, and Bayes off (a Bayes database
depends on the machine's mail history, not on this message).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import asdict, dataclass, field
from email import message_from_bytes
from email.policy import compat32
from pathlib import Path

from ..build import BuildResult
from .findings import Finding
from .message import build_message, received_header

ERROR_SCORE = 5.0
WARNING_SCORE = 2.0
RULES_DIR = Path("/usr/share/spamassassin")
TIMEOUT = 120
#: Rule plugins that work offline (Debian's init.pre minus network, Bayes and learning plugins).
PLUGINS = (
    "Check", "HTTPSMismatch", "URIDetail", "BodyEval", "HTMLEval", "HeaderEval", "MIMEEval",
    "RelayEval", "URIEval", "WLBLEval", "VBounce", "ImageInfo", "FreeMail", "MIMEHeader", "ReplaceTags",
)
PREFS = "use_bayes 0\nbayes_auto_learn 0\nuse_auto_welcomelist 0\n"
_STATUS = re.compile(r"score=(-?[\d.]+)\s+required=(-?[\d.]+)(?:\s+tests=([\w,\s]*?))?\s+autolearn=", re.DOTALL)
_RULE = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s+([A-Z0-9_]+)\s+(.*)$")


@dataclass
class Rule:
    """One SpamAssassin rule that fired."""

    name: str
    score: float
    description: str = ""


@dataclass
class SpamScore:
    """SpamAssassin's verdict on the message."""

    score: float
    required: float
    rules: list[Rule] = field(default_factory=list)
    version: str = ""

    def to_dict(self) -> dict:
        """JSON-ready form."""
        return asdict(self)


def find_spamassassin() -> str | None:
    """The spamassassin program on PATH, or None."""
    return shutil.which("spamassassin")


def score_message(raw: bytes, program: str) -> SpamScore:
    """Run SpamAssassin on one message and parse its verdict."""
    with tempfile.TemporaryDirectory(prefix="bulletin-sa-") as tmp:
        site = Path(tmp, "site")
        site.mkdir()
        (site / "init.pre").write_text("".join(f"loadplugin Mail::SpamAssassin::Plugin::{p}\n" for p in PLUGINS))
        prefs = Path(tmp, "user_prefs")
        prefs.write_text(PREFS)
        args = [program, "-L", "-t", "-x", f"--siteconfigpath={site}", "-p", str(prefs)]
        if RULES_DIR.is_dir():
            args[1:1] = ["-C", str(RULES_DIR)]
        # HOME points into the temporary folder so nothing is written to the user's ~/.spamassassin
        env = dict(os.environ, HOME=tmp, LC_ALL="C")
        try:
            done = subprocess.run(args, input=raw, capture_output=True, timeout=TIMEOUT, env=env, check=False)
        except subprocess.TimeoutExpired:
            raise SpamCheckFailed(f"SpamAssassin gave no answer within {TIMEOUT} s") from None
        except OSError as exc:
            raise SpamCheckFailed(f"cannot run {program}: {exc.strerror}") from None
    return parse_report(done.stdout, done.stderr.decode("utf-8", "replace"))


class SpamCheckFailed(Exception):
    """SpamAssassin could not score the message."""


def parse_report(output: bytes, stderr: str = "") -> SpamScore:
    """Score, threshold and rules from ``spamassassin -t`` output (X-Spam-Status + the report table)."""
    scored = message_from_bytes(output, policy=compat32)
    status = " ".join(str(scored.get("X-Spam-Status", "")).split())
    match = _STATUS.search(status + " autolearn=")
    if not match:
        detail = stderr.strip().splitlines()[-1] if stderr.strip() else "no X-Spam-Status header in its output"
        raise SpamCheckFailed(f"SpamAssassin did not score the message: {detail}")
    names = [n.strip() for n in (match.group(3) or "").split(",") if n.strip() and n.strip() != "none"]
    table = _table(output.decode("utf-8", "replace"))
    rules = [Rule(n, table.get(n, (0.0, ""))[0], table.get(n, (0.0, ""))[1]) for n in names]
    rules.sort(key=lambda r: (-r.score, r.name))
    version = str(scored.get("X-Spam-Checker-Version", "")).split(" on ")[0].strip()
    return SpamScore(float(match.group(1)), float(match.group(2)), rules, version)


def _table(text: str) -> dict[str, tuple[float, str]]:
    """The 'pts rule name description' table -t appends, continuation lines joined."""
    rules: dict[str, tuple[float, str]] = {}
    _, found, rest = text.partition("Content analysis details:")
    if not found:
        return rules
    last = None
    for line in rest.splitlines():
        match = _RULE.match(line)
        if match:
            last = match.group(2)
            rules[last] = (float(match.group(1)), match.group(3).strip())
        elif last and line.startswith(" " * 20) and line.strip():
            score, desc = rules[last]
            rules[last] = (score, f"{desc} {line.strip()}")
        elif line.strip().startswith("---") or not line.strip():
            continue
        else:
            last = None
    return rules


def check_spam(result: BuildResult, program: str | None = None) -> tuple[list[Finding], SpamScore | None]:
    """Score the issue: error at ≥ 5 points, warning at ≥ 2, otherwise a note with the score."""
    program = program or find_spamassassin()
    if not program:
        return [Finding("note", "spamassassin-missing",
                        "SpamAssassin is not installed, so the spam score was not checked "
                        "(Debian/Ubuntu: sudo apt-get install spamassassin)", "", "spam")], None
    raw = b"Received: " + received_header(result).encode() + b"\n" + bytes(build_message(result))
    try:
        verdict = score_message(raw, program)
    except SpamCheckFailed as exc:
        return [Finding("warning", "spamassassin-failed", str(exc), "", "spam")], None
    rules = ", ".join(f"{r.name} {r.score:g}" for r in verdict.rules if r.score) or "no scoring rules"
    if verdict.score >= ERROR_SCORE:
        severity, code, verdict_text = "error", "spam-score", "spam filters will likely reject or junk it"
    elif verdict.score >= WARNING_SCORE:
        severity, code, verdict_text = "warning", "spam-score", "some spam filters may junk it"
    else:
        severity, code, verdict_text = "note", "spam-score", "fine"
    detail = "; ".join(f"{r.name} ({r.score:g}): {r.description}" for r in verdict.rules if r.score > 0)
    message = f"SpamAssassin score {verdict.score:g} (rules: {rules}): {verdict_text}"
    if severity != "note" and detail:
        message += f". Rules that added points: {detail}"
    return [Finding(severity, code, message, "", "spam")], verdict  # type: ignore[arg-type]
