"""Write src/bulletin/check/caniemail/support.json: the part of caniemail.com's data bulletin uses.

    python contrib/caniemail_subset.py path/to/caniemail.json   (the npm package `caniemail`'s data)

Keeps, for the clients of bulletin.check.clients.CLIENTS, the latest tested version's support of every
feature some of them lack, with the notes that support cites. MIT licence: keep LICENSE beside it.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

CLIENTS = {
    "outlook-windows": ("outlook", "windows"),
    "outlook-com": ("outlook", "outlook-com"),
    "gmail-web": ("gmail", "desktop-webmail"),
    "gmail-ios": ("gmail", "ios"),
    "gmail-android": ("gmail", "android"),
    "apple-mail-macos": ("apple-mail", "macos"),
    "apple-mail-ios": ("apple-mail", "ios"),
    "yahoo-web": ("yahoo", "desktop-webmail"),
    "samsung-email": ("samsung-email", "android"),
}


def main(source: str) -> None:
    data = json.loads(Path(source).read_text(encoding="utf-8"))
    features = []
    for feature in data["data"]:
        support, notes = {}, {}
        for client, (family, platform) in CLIENTS.items():
            versions = feature["stats"].get(family, {}).get(platform)
            if not versions:
                continue
            value = list(versions.values())[-1]  # the latest version tested
            support[client] = value
            for mark in value.split()[1:]:
                number = mark.lstrip("#")
                notes[number] = (feature.get("notes_by_num") or {}).get(number, "")
        if all(value.split()[0] == "y" for value in support.values()):
            continue
        features.append({
            "slug": feature["slug"], "title": feature["title"], "category": feature["category"],
            "keywords": feature.get("keywords") or "", "url": feature["url"], "support": support, "notes": notes,
        })
    out = {"source": "caniemail.com (npm caniemail)", "last_update_date": data["last_update_date"], "features": features}
    target = Path(__file__).resolve().parent.parent / "src/bulletin/check/caniemail/support.json"
    target.write_text(json.dumps(out, ensure_ascii=False, separators=(",", ":"), sort_keys=True) + "\n", encoding="utf-8")
    print(f"{len(features)} features, {target.stat().st_size // 1024} KB -> {target}")


if __name__ == "__main__":
    main(sys.argv[1])
