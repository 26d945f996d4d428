"""premailer, the default inliner, imported and run without what a build does not need.

- premailer imports ``requests`` only to fetch external style sheets (it runs here with
  ``allow_network=False``): while premailer is imported, ``requests`` is a stand-in that imports the
  real one on first use, which never comes.
- premailer parses CSS with cssutils (slow to import and to warm up): what cssutils made of each style
  sheet, style attribute and picture's style is kept between runs (:mod:`.resultcache`), so cssutils is
  imported only when a text is new; premailer's own code does the rest as always. The same stand-in
  trick keeps cssutils' fetcher of ``@import``-ed sheets (``importlib.metadata``, an HTML parser)
  out: @import rules are stripped before inlining.
- cssutils checks every property value against CSS profiles only to log what is invalid (the value
  is kept either way) and that log is off; premailer asks it not to (``disable_validation``) except
  for style attributes, which would compile some forty regular expressions on first use: the check
  is skipped.
"""

from __future__ import annotations

import contextvars
import functools
import importlib
import importlib.util
import logging
import sys
import types
from typing import Any

from .resultcache import ResultCache, kept, stamp

OPTIONS: dict[str, Any] = {
    "allow_network": False,
    "allow_loading_external_files": False,
    "external_styles": None,
    "disable_link_rewrites": True,
    "exclude_pseudoclasses": True,
    "keep_style_tags": False,
    "strip_important": False,  # True would also strip !important from the kept @media rules
    "disable_validation": True,
    "remove_classes": False,  # the @media rules select by class
    # premailer would overwrite <img width="552"> with width="100%" (Outlook then shows the
    # picture at its natural size) and add invalid height="auto"
    "disable_basic_attributes": ["width", "height"],
}

_cache: contextvars.ContextVar[ResultCache | None] = contextvars.ContextVar("css_cache", default=None)


def transform(html: str, cache: ResultCache | None = None) -> str:
    """Inline the CSS of ``html`` with premailer, with the options email clients need; ``cache``: where
    cssutils' results are kept (default: in Jinja's per-user cache folder)."""
    premailer_class = _premailer_class()
    cache = cache or _css_cache()
    token = _cache.set(cache)
    try:
        return str(premailer_class(html, **OPTIONS).transform(pretty_print=False))
    finally:
        _cache.reset(token)
        cache.save()


def _css_cache() -> ResultCache:
    """The cache of cssutils' results, in Jinja's per-user cache folder (kept in memory only without one)."""
    premailer = sys.modules["premailer"]
    # what shapes the results: a new premailer or cssutils, other options start afresh
    version = f"premailer {premailer.__version__}, cssutils {stamp('cssutils')}, {sorted(OPTIONS.items())}"
    return kept("__bulletin_css.json", version)


@functools.cache
def _premailer_class() -> type:
    """Import premailer (with stand-ins for ``requests`` and cssutils) and make its subclass that asks the cache first."""
    stand_ins = {name: _OnFirstUse(name) for name in ("requests", "cssutils") if name not in sys.modules}
    sys.modules.update(stand_ins)
    try:
        import premailer.merge_style
        import premailer.premailer
    finally:
        for name, module in stand_ins.items():
            if sys.modules.get(name) is module:
                del sys.modules[name]
    pairs = premailer.merge_style.csstext_to_pairs  # premailer's own (kept in memory per process)

    def csstext_to_pairs(csstext: str, validate: bool = True) -> Any:
        cache = _cache.get()
        if cache is None:  # premailer used outside transform(): as it comes
            _cssutils()
            return pairs(csstext, validate=validate)
        return cache.get("pairs", f"{int(validate)}{csstext}", lambda: _real_pairs(pairs, csstext, validate))

    csstext_to_pairs.__dict__["_lock"] = pairs._lock  # premailer's own looks its lock up under its name
    # premailer looks both names up at each call
    premailer.merge_style.csstext_to_pairs = csstext_to_pairs
    premailer.premailer.csstext_to_pairs = csstext_to_pairs
    premailer.premailer.cssutils = _PictureFloats("cssutils")

    class CachedPremailer(premailer.premailer.Premailer):
        """premailer, with what cssutils made of each style sheet taken from the cache when it holds it."""

        def _parse_style_rules(self, css_body: str, ruleset_index: int) -> tuple[list[Any], list[Any]]:
            cache = _cache.get()
            if cache is None:
                _cssutils()
                return super()._parse_style_rules(css_body, ruleset_index)
            sheet = cache.get("sheets", css_body or "", lambda: self._parse_sheet(css_body))
            rules = [((important, ids, classes, elements, ruleset_index, n), selector, bulk)
                     for important, ids, classes, elements, n, selector, bulk in sheet["rules"]]
            return rules, ([_Kept(sheet["kept"])] if sheet["kept"] is not None else [])

        def _parse_sheet(self, css_body: str) -> dict[str, Any]:
            """premailer's rules of a style sheet as JSON data: (specificity but the sheet's index, selector, bulk), and
            the CSS of what stays in a <style> block (@media rules, pseudo-classes), or None."""
            _cssutils()
            rules, leftover = super()._parse_style_rules(css_body, 0)
            return {
                "rules": [[*specificity[:4], specificity[5], selector, bulk] for specificity, selector, bulk in rules],
                "kept": super()._css_rules_to_string(leftover) if leftover else None,
            }

        def _css_rules_to_string(self, rules: list[Any]) -> str:
            if len(rules) == 1 and isinstance(rules[0], _Kept):
                return rules[0].css
            _cssutils()
            return super()._css_rules_to_string(rules)

    return CachedPremailer


def _real_pairs(pairs: Any, csstext: str, validate: bool) -> list[list[str]]:
    _cssutils()
    return [[name, value] for name, value in pairs(csstext, validate=validate)]


class _Kept:
    """A sheet's CSS that stays in its <style> block, as premailer wrote it the first time."""

    def __init__(self, css: str) -> None:
        self.css = css


class _OnFirstUse(types.ModuleType):
    """Stands in for a module a library imports but may never use: the real one is imported on first use."""

    def __getattr__(self, name: str) -> Any:
        return getattr(_cssutils() if self.__name__ == "cssutils" else importlib.import_module(self.__name__), name)


class _PictureFloats(_OnFirstUse):
    """cssutils as premailer.premailer sees it: its one call of its own (a picture's ``float``, for ``align``)
    answered from the cache."""

    def parseStyle(self, text: str) -> types.SimpleNamespace:  # noqa: N802 - cssutils' name
        cache = _cache.get()
        if cache is None:
            return _cssutils().parseStyle(text)
        return types.SimpleNamespace(float=cache.get("floats", text, lambda: str(_cssutils().parseStyle(text).float)))


@functools.cache
def _cssutils() -> types.ModuleType:
    """The real cssutils, imported (without its @import fetcher) and quietened once."""
    stand_in = None
    if "cssutils" not in sys.modules and "cssutils._fetch" not in sys.modules:
        stand_in = sys.modules["cssutils._fetch"] = _Fetcher("cssutils._fetch")
    try:
        import cssutils
        from cssutils.css import Property
    finally:
        if stand_in is not None and sys.modules.get("cssutils._fetch") is stand_in:
            del sys.modules["cssutils._fetch"]
    cssutils.log.setLevel(logging.CRITICAL)  # cssutils warns about every mso-* property
    Property.validate = lambda self: True  # only logged, and the log is off
    return cssutils


class _Fetcher(types.ModuleType):
    """Stands in for ``cssutils._fetch``, whose one name cssutils binds at import: the real module on first call."""

    @staticmethod
    def _defaultFetcher(url: str) -> Any:  # noqa: N802 - cssutils' name
        return importlib.import_module("cssutils._fetch")._defaultFetcher(url)
