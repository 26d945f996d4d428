"""bulletin: compose, preview and send an organisation's email bulletin.

The library API; the ``bulletin`` command is a thin layer over it. Names are imported on first use,
so ``import bulletin`` stays fast for commands that do not render.
"""

from __future__ import annotations

import importlib
from typing import Any

from .errors import (
    AudienceError,
    BulletinError,
    CheckError,
    ConfigError,
    DispatchError,
    LedgerError,
    RenderError,
    SourceError,
)

_LAZY = {
    "build": "build", "prepare": "build", "BuildResult": "build",
    "load_project": "config", "load_issue": "config",
    "list_items": "items", "new_issue": "scaffold", "select": "select",
    "Item": "model", "IssueSpec": "model", "Project": "model", "Selection": "model",
    "read_audience": "audience", "check_subscribers": "audience", "Ledger": "ledger",
    "send": "dispatch.run", "plan": "dispatch.run", "SendReport": "dispatch.deliver", "SendPlan": "dispatch.plan", "SendOptions": "dispatch.planner",
    "status": "dispatch.status",
    "dispatch_due": "dispatch.schedule", "cancel": "dispatch.schedule", "upcoming": "dispatch.schedule",
}

__all__ = [
    "AudienceError", "BulletinError", "CheckError", "ConfigError", "DispatchError", "LedgerError",
    "RenderError", "SourceError", *_LAZY,
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module 'bulletin' has no attribute {name!r}")
