"""contrib/: the webhook's systemd unit runs `bulletin webhook` on 127.0.0.1, and the proxy snippets forward its one path
with a body limit bulletin accepts."""

from __future__ import annotations

import configparser
import re
import shlex
from pathlib import Path

from bulletin.feedback.webhook import MAX_BODY, PATH

CONTRIB = Path(__file__).resolve().parents[2] / "contrib"


def test_systemd_unit() -> None:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # systemd keys are case-sensitive
    parser.read_string((CONTRIB / "bulletin-webhook.service").read_text(encoding="utf-8"))
    command = shlex.split(parser["Service"]["ExecStart"])
    assert command[0].endswith("/bulletin") and command[1:] == ["webhook", "--host", "127.0.0.1", "--port", "8025"]
    assert "EnvironmentFile" not in parser["Service"]  # it needs no key
    assert parser["Install"]["WantedBy"] == "multi-user.target"


def test_proxy_snippets_forward_the_one_path() -> None:
    nginx = (CONTRIB / "webhook-nginx.conf").read_text(encoding="utf-8")
    assert f"location = {PATH} " in nginx and "proxy_pass http://127.0.0.1:8025;" in nginx
    limit = re.search(r"client_max_body_size (\d+)m;", nginx)
    assert limit and int(limit.group(1)) << 20 <= MAX_BODY
    caddy = (CONTRIB / "webhook-caddy.example").read_text(encoding="utf-8")
    assert f"handle {PATH} " in caddy and "reverse_proxy 127.0.0.1:8025" in caddy
