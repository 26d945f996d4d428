"""Fixtures for the render tests: model objects built directly, no config files."""

from __future__ import annotations

import datetime as dt
import functools
from pathlib import Path

import pytest

from bulletin.model import (
    Image,
    IssueSpec,
    Item,
    Organisation,
    Period,
    Project,
    Section,
    SectionSpec,
    Selection,
    Sender,
    Utm,
)

SUMMARY = (
    "The Commission presented its **updated industrial strategy**, with new measures for the "
    "single market, strategic dependencies and the green and digital transitions. Our members "
    "welcome the focus on skills and social dialogue, and call for [a fair transition]"
    "(https://example.org/fair-transition?ref=home) that leaves no worker and no region behind."
)  # ~390 characters of Markdown, ~300 of text


def build_item(n: int, *, image: bool = False, **overrides) -> Item:
    """A realistic item; every field can be overridden."""
    fields = dict(
        date=dt.date(2021, 6, 30) - dt.timedelta(days=n % 180),
        title=f"Position paper {n}: EU industrial strategy update and our reaction",
        url=f"https://example.org/news/item-{n}",
        tags=("News", "Position paper"),
        summary=SUMMARY.replace("Commission", f"Commission (ref. {n})"),
        image=Image(f"https://example.org/img/item-{n}.jpg", f"Illustration for item {n}")
        if image
        else None,
        origin=f"content/item-{n}.md:1",
    )
    fields.update(overrides)
    return Item(**fields)


def build_selection(count: int, *, featured: bool = True, sections: int = 3) -> Selection:
    """``count`` items spread over ``sections`` sections, one in four with an image."""
    items = [build_item(n, image=n % 4 == 0) for n in range(count)]
    lead = None
    if featured and items:
        lead = build_item(1000, image=True, title="Congress 2021: the future of work")
    groups = [
        Section(
            title=f"Section {s}",
            anchor=f"section-{s}",
            items=items[s::sections],
            note="All events are *online* this season." if s == 1 else "",
        )
        for s in range(sections)
    ]
    return Selection(featured=lead, sections=groups, left_out=[])


def build_project(root: Path, **overrides) -> Project:
    """A project rooted at ``root`` (nothing is read from disk)."""
    fields = dict(
        root=str(root),
        path=str(root / "bulletin.yaml"),
        organisation=Organisation(
            name="Social Europe Network",
            address="Rue de la Loi 1\n1000 Brussels\nBelgium",
            website="https://example.org",
        ),
        sender=Sender(email="news@example.org", name="Social Europe Network"),
        subscribers="subscribers.csv",
        web_url="https://example.org/bulletins/{slug}/",
        utm=Utm(source="newsletter", medium="email"),
    )
    fields.update(overrides)
    return Project(**fields)


def build_spec(**overrides) -> IssueSpec:
    """The issue spec of the design document's example."""
    fields = dict(
        slug="2021-h1",
        path="issues/2021-h1.yaml",
        title="Bulletin on EU Social Affairs #7",
        subject="Bulletin on EU Social Affairs #7 — January to June 2021",
        preheader="Position papers, events and publications of the last six months",
        period=Period(dt.date(2021, 1, 1), dt.date(2021, 6, 30)),
        sources=["content/"],
        sections=[SectionSpec("Section 0"), SectionSpec("Section 1"), SectionSpec("Section 2")],
        intro="Welcome to our bulletin. See [our website](https://example.org/about) "
        "or write to [us](mailto:info@example.org).",
    )
    fields.update(overrides)
    return IssueSpec(**fields)


@pytest.fixture
def make_item():
    """Factory: ``make_item(n, image=False, **fields)``."""
    return build_item


@pytest.fixture
def make_selection():
    """Factory: ``make_selection(count, featured=True, sections=3)``."""
    return build_selection


@pytest.fixture
def make_project(tmp_path: Path):
    """Factory: ``make_project(**fields)``, rooted at tmp_path."""
    return functools.partial(build_project, tmp_path)


@pytest.fixture
def make_spec():
    """Factory: ``make_spec(**fields)``."""
    return build_spec


@pytest.fixture
def project(tmp_path: Path) -> Project:
    return build_project(tmp_path)


@pytest.fixture
def spec() -> IssueSpec:
    return build_spec()


@pytest.fixture
def selection() -> Selection:
    return build_selection(6)
