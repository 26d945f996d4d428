"""Fixtures for the pre-send checks: a minimal project template to break on purpose."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

#: A small but complete email template; tests replace parts of it to break one rule at a time.
TEMPLATE = """<mjml lang="{{ issue.lang }}">
<mj-head><mj-title>{{ issue.subject }}</mj-title><mj-preview>{{ issue.preheader }}</mj-preview></mj-head>
<mj-body background-color="#ffffff">
<mj-section><mj-column><mj-text color="#1f2937">
<h1>{{ issue.title }}</h1>
{% for section in sections %}<h2>{{ section.title }}</h2>
{% for item in section.items %}<h3><a href="{{ item.url }}">{{ item.title }}</a></h3>{{ item.summary_html }}
{% endfor %}{% endfor %}
<p>{{ org.name }}<br>{{ org.address }}</p>
<p>FOOTER_LINKS</p>
</mj-text></mj-column></mj-section>
</mj-body></mjml>
"""
UNSUBSCRIBE = '<a href="{{ unsubscribe_url }}">Unsubscribe</a>'


@pytest.fixture
def template(write: Callable[[str, str], Path]) -> Callable[..., Path]:
    """Write templates/default/email.mjml.j2 into the project: template(footer=..., replace={old: new})."""

    def _template(footer: str = UNSUBSCRIBE, replace: dict[str, str] | None = None) -> Path:
        text = TEMPLATE.replace("FOOTER_LINKS", footer)
        for old, new in (replace or {}).items():
            assert old in text, old
            text = text.replace(old, new)
        return write("templates/default/email.mjml.j2", text)

    return _template



ISSUE = """title: Check test
subject: Check test
preheader: A test issue for the checks
period: {start: 2022-01-01, end: 2022-12-31}
source: news/
sections:
  - {title: News}
"""


@pytest.fixture
def news(write: Callable[[str, str], Path]) -> Callable[..., Path]:
    """Write issues/check.yaml (items from news/) and one item: news("a.md", title=..., url=..., summary=..., image=...)."""

    def _news(name: str, title: str = "Hello", url: str = "https://example.org/a", summary: str = "",
              image: str | None = None, date: str = "2022-03-01", issue: str = ISSUE) -> Path:
        write("issues/check.yaml", issue)
        lines = ["---", f"date: {date}", f'title: "{title}"', f"url: {url}", "tags: [News]"]
        if image is not None:
            lines.append(image)
        return write(f"news/{name}", "\n".join(lines + ["---", summary, ""]))

    return _news
