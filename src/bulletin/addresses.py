"""Email addresses as SendGrid takes them: one normal form for sending, deduplicating and unsubscribing."""

from __future__ import annotations

import re
from functools import lru_cache

from email_validator import EmailNotValidError, validate_email
from email_validator.rfc_constants import CASE_INSENSITIVE_MAILBOX_NAMES

__all__ = ["EmailNotValidError", "normalise"]


def normalise(address: str) -> str:
    """The address as SendGrid takes it (domain lower-cased, in ASCII); raise EmailNotValidError when invalid.

    SendGrid drops addresses with non-ASCII characters before the @ (it has no SMTPUTF8), so they are
    invalid here; an international domain is sent in its ASCII (IDNA) form. Forms mail programs export
    ("Name <address>", "<address>", "mailto:address") give their address.
    """
    original = address
    match = _FAST(address)
    if match is not None and len(address) <= 254:
        # Plain ASCII addresses already trimmed (nearly all) skip the Unicode machinery; the domain check is
        # cached. tests/test_addresses.py proves this path agrees with email-validator.
        local, domain = match.groups()
        normal = _domain(domain)
        if normal is not None:
            if local.lower() in _CASE_INSENSITIVE:
                local = local.lower()
            elif normal == domain:
                return address
            out = f"{local}@{normal}"
            if len(out) <= 254:
                return out
    address = address.strip()
    if address[:7].lower() == "mailto:":
        address = address[7:].strip()
    named = _NAMED.fullmatch(address)
    if named:  # the name is not used: 'Zoë Müller <zoe@coop.de>' unquoted, as mail programs export it, is fine
        address = named.group(1).strip()
    if address != original:  # trimmed or unwrapped: perhaps plain now
        return normalise(address)
    try:
        checked = validate_email(address, check_deliverability=False, allow_smtputf8=False, allow_display_name=True)
    except EmailNotValidError as exc:
        if "Internationalized characters before the @-sign" in str(exc):
            raise EmailNotValidError(f"{exc} SendGrid cannot deliver to such addresses.") from None
        raise
    assert checked.ascii_email is not None  # always set without SMTPUTF8
    return checked.ascii_email


_CASE_INSENSITIVE = frozenset(CASE_INSENSITIVE_MAILBOX_NAMES)  # postmaster, abuse...: the library's is a list (per row)
_NAMED = re.compile(r"[^<>]*<([^<>]*)>")  # "Name <address>"
_ATEXT = r"[A-Za-z0-9_!#$%&'*+\-/=?^`{|}~]+"
_FAST = re.compile(rf"({_ATEXT}(?:\.{_ATEXT})*)@([A-Za-z0-9.\-]+)").fullmatch


@lru_cache(maxsize=1 << 16)
def _domain(domain: str) -> str | None:
    """The normalised domain when it is valid and plain ASCII, else None (use the full check)."""
    try:
        checked = validate_email(f"a@{domain}", check_deliverability=False)
    except EmailNotValidError:
        return None
    return checked.domain if checked.domain == checked.ascii_domain else None
