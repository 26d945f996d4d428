"""Live preview of an issue in a browser, and sign-off screenshots.

Public API: :class:`Preview` (build, serve on 127.0.0.1, watch, rebuild), :func:`run` (what
``bulletin preview`` calls), :func:`take_screenshots` (``--screenshot DIR``).
"""

from __future__ import annotations

from .app import Preview, run
from .screenshot import take_screenshots

__all__ = ["Preview", "run", "take_screenshots"]
