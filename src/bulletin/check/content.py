"""Content checks: what every bulletin must hold (unsubscribe, address) and what must not leak out."""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit

from lxml.etree import _Element

from ..render import TEXT_TEMPLATE
from ..render.context import add_utm, issue_url, utm_params
from ..site.state import is_published
from .document import SENDGRID_TAGS, UNSUBSCRIBE_TAGS, Document, snippet
from .findings import Finding

SUBJECT_MAX = 78  # RFC 5322's recommended line length; inboxes cut long subjects around here
_JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.DOTALL)
_SENDGRID = re.compile(r"<%\s*[^%<>]*?\s*%>")
_MERGE = re.compile(r"\*\|([^|*\s]*)\|\*")
_UNSUBSCRIBE_WORDS = ("unsubscribe", "abmelden", "désinscri", "desinscri", "darse de baja", "opt-out", "opt out")


def _f(severity: str, code: str, message: str, where: str = "") -> Finding:
    return Finding(severity, code, message, where, "content")  # type: ignore[arg-type]


def check_content(doc: Document) -> list[Finding]:
    """Every content check, in reading order of the report."""
    return [
        *check_unsubscribe(doc),
        *check_address(doc),
        *check_text_items(doc),
        *check_placeholders(doc),
        *check_subject(doc),
        *check_lang(doc),
        *check_images(doc),
        *check_links(doc),
        *check_published(doc),
    ]


def check_published(doc: Document) -> list[Finding]:
    """The "View in browser" link leads nowhere until the web edition is published (bulletin publish)."""
    result = doc.result
    url = issue_url(result.project, result.spec.slug, result.spec.lang)
    link = next((a for a in doc.root.iter("a") if url and (a.get("href") or "").strip() == url), None)
    if link is None or is_published(result.project, result.spec.slug):
        return []
    return [_f("warning", "not-published",
               f"the 'View in browser' link {url} leads nowhere yet: the issue is not published; run "
               f"bulletin publish {result.spec.path} and upload the folder {result.project.site_dir}/ to the website before sending",
               result.spec.path)]


def check_unsubscribe(doc: Document) -> list[Finding]:
    """An unsubscribe link is required by law and by Gmail/Yahoo's bulk-sender rules."""
    text = doc.result.rendered.text
    in_text = any(tag in text for tag in UNSUBSCRIBE_TAGS) or any(w in text.lower() for w in _UNSUBSCRIBE_WORDS)
    plain = [] if in_text else [_f("warning", "no-unsubscribe-text",
                                   "the plain-text part has no unsubscribe link", doc.template(TEXT_TEMPLATE))]
    for link in doc.root.iter("a"):
        href = (link.get("href") or "").strip()
        if href in UNSUBSCRIBE_TAGS:
            return plain
        words = " ".join(link.text_content().split()).lower()
        if href and href != "#" and any(w in href.lower() or w in words for w in _UNSUBSCRIBE_WORDS):
            return plain
    return [_f("error", "no-unsubscribe",
               "no unsubscribe link: the template must link to {{ unsubscribe_url }}", doc.template()), *plain]


def check_address(doc: Document) -> list[Finding]:
    """The sender's postal address must be in the footer (CAN-SPAM, EU e-commerce rules)."""
    org = doc.result.project.organisation
    lines = [" ".join(line.split()) for line in org.address.splitlines() if line.strip()]
    if not lines:
        return [_f("error", "no-address", "organisation.address is empty: a postal address is required",
                   doc.result.project.path)]
    missing = [line for line in lines if line not in doc.body_text]
    if missing:
        return [_f("error", "no-address",
                   f"the postal address ({'; '.join(missing)}) is not in the email: the footer must show "
                   "{{ org.address }} (or org.address_lines)", doc.template())]
    text = " ".join(doc.result.rendered.text.split())
    if any(line not in text for line in lines):
        return [_f("warning", "no-address-text", "the plain-text part does not show the postal address",
                   doc.template(TEXT_TEMPLATE))]
    return []


TEXT_ITEMS_LISTED = 3  # more missing items than this are one finding at the template


def check_text_items(doc: Document) -> list[Finding]:
    """The plain-text part must hold every item's title and link: some readers only ever see it."""
    raw = doc.result.rendered.text
    text = " ".join(raw.split())
    params = utm_params(doc.result.project, doc.result.spec)
    missing = []
    for item in doc.items:
        linked = add_utm(item.url, params) in raw or item.url in raw  # with the issue's UTM, or as written
        lost = [what for what, found in (("title", " ".join(item.title.split()) in text), ("link", linked)) if not found]
        if lost:
            missing.append((item, " and ".join(lost)))
    if not missing:
        return []
    if len(missing) > TEXT_ITEMS_LISTED:
        return [_f("warning", "text-missing-items",
                   f"the plain-text part leaves out the title or link of {len(missing)} of the {len(doc.items)} items"
                   f" (first: \"{missing[0][0].title}\"): text-only readers cannot open them",
                   doc.template(TEXT_TEMPLATE))]
    return [_f("warning", "text-missing-items",
               f"the plain-text part leaves out the {lost} of \"{item.title}\": text-only readers will not see it",
               item.origin or doc.template(TEXT_TEMPLATE))
            for item, lost in missing]


def check_placeholders(doc: Document) -> list[Finding]:
    """Jinja leftovers, unknown SendGrid tags or merge tags would reach readers as raw code."""
    rendered = doc.result.rendered
    known_merge = {name.upper() for name in rendered.merge_fields}
    findings: list[Finding] = []
    sources = [("subject", doc.result.spec.subject, doc.result.spec.path),
               ("preheader", doc.result.spec.preheader, doc.result.spec.path),
               ("HTML", rendered.html, doc.template()),
               ("text", rendered.text, doc.template(TEXT_TEMPLATE))]
    parts: dict[tuple[str, str], list[str]] = {}  # (tag, where) -> parts it appears in
    for part, text, where in sources:
        found = [m.group(0) for m in _JINJA.finditer(text)]
        found += [m.group(0) for m in _SENDGRID.finditer(text) if m.group(0) not in SENDGRID_TAGS]
        found += [m.group(0) for m in _MERGE.finditer(text) if m.group(1).upper() not in known_merge]
        for tag in found:
            owner = next((i.origin for i in doc.items if tag in i.summary or tag in i.title), None)
            seen = parts.setdefault((" ".join(tag.split()), owner or where), [])
            if part not in seen:
                seen.append(part)
    for (tag, where), found_in in parts.items():
        findings.append(_f("error", "placeholder",
                           f"unresolved placeholder {tag[:60]} in the {' and '.join(found_in)}: readers would see it as is",
                           where))
    return findings


def check_subject(doc: Document) -> list[Finding]:
    """A subject line is required; a long one is cut in the inbox, a missing preheader wastes the preview."""
    spec = doc.result.spec
    subject = (spec.subject or "").strip()
    if not subject:
        return [_f("error", "no-subject", "the issue has no subject", spec.path)]
    findings = []
    if len(subject) > SUBJECT_MAX:
        findings.append(_f("warning", "long-subject",
                           f"the subject is {len(subject)} characters: inboxes cut it after about {SUBJECT_MAX}",
                           spec.path))
    if not (spec.preheader or "").strip():
        findings.append(_f("warning", "no-preheader",
                           "no preheader: inboxes will show the first words of the email instead", spec.path))
    return findings


def check_lang(doc: Document) -> list[Finding]:
    """<html lang> lets screen readers pick the right voice."""
    if not (doc.root.get("lang") or "").strip():
        return [_f("error", "no-lang", "the <html> element has no lang attribute (screen readers need it)",
                   doc.template())]
    return []


def check_images(doc: Document) -> list[Finding]:
    """Every image needs alt text: many inboxes block images, and screen readers read alt."""
    findings = []
    for img in doc.root.iter("img"):
        alt = img.get("alt")
        src = img.get("src") or ""
        if alt is None or (not alt.strip() and not _decorative(img)):
            findings.append(_f("error", "no-alt", f"image {src[:80]} has no alt text", doc.where(src, img)))
        if not src.strip():
            findings.append(_f("error", "no-src", "image without src", snippet(img)))
        else:
            findings.extend(_f(severity, code, message, doc.where(src, img)) for severity, code, message in image_reach(src))
    return findings


def image_reach(src: str) -> list[tuple[str, str, str]]:
    """(severity, code, message) for an image address no subscriber can load, or some cannot see."""
    parts = urlsplit(src.strip())
    host = (parts.hostname or "").lower()
    path = parts.path.lower()
    found = []
    if _private_host(host):
        found.append(("error", "image-private", f"image {src[:80]} is on {host}, an address only this computer or "
                      "network can reach: subscribers cannot load it; put it on your public website"))
    if path.endswith((".svg", ".svgz")):
        found.append(("error", "image-svg", f"image {src[:80]} is an SVG, which Gmail and Outlook do not show: "
                      "use PNG or JPEG"))
    elif path.endswith(".webp"):
        found.append(("warning", "image-webp", f"image {src[:80]} is WebP, which Outlook for Windows does not show: "
                      "PNG or JPEG works everywhere"))
    if parts.scheme.lower() == "http" and not found:
        found.append(("warning", "image-http", f"image {src[:80]} is loaded over plain http: some inboxes block it or "
                      "warn; use https"))
    return found


def _private_host(host: str) -> bool:
    if host in ("localhost", "") or host.endswith((".localhost", ".local", ".internal")):
        return bool(host)
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return address.is_private or address.is_loopback or address.is_link_local or address.is_unspecified


def _decorative(img) -> bool:
    # alt="" is right for spacers and purely decorative images that say so explicitly
    return img.get("role") == "presentation" or img.get("aria-hidden") == "true"


def check_links(doc: Document) -> list[Finding]:
    """Links must go somewhere: no empty, '#' or javascript: hrefs; in-page anchors must exist."""
    findings = []
    ids = {el.get("id") for el in doc.root.iter() if el.get("id")} | {
        el.get("name") for el in doc.root.iter("a") if el.get("name")}
    for link in doc.root.iter("a"):
        href = link.get("href")
        if href is None:
            continue  # a named anchor, not a link
        value = href.strip()
        if not value or value == "#":
            findings.append(_f("error", "empty-link", f"link \"{_text(link)}\" goes nowhere (empty or '#' address)",
                               doc.where(value, link)))
        elif value.lower().replace(" ", "").startswith("javascript:"):
            findings.append(_f("error", "javascript-link", f"link \"{_text(link)}\": javascript: links do not work in email",
                               doc.where("", link)))
        elif value.startswith("#") and value[1:] not in ids:
            findings.append(_f("warning", "broken-anchor", f"link to {value} but nothing has id \"{value[1:]}\"",
                               snippet(link)))
    return findings


def _text(link: _Element) -> str:
    text = " ".join(link.text_content().split())
    return text if len(text) <= 40 else text[:39] + "…"
