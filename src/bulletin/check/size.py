"""Size checks: Gmail clips messages whose HTML is over ~102 KB, hiding the footer and unsubscribe link."""

from __future__ import annotations

from .document import Document
from .findings import Finding

KB = 1024
CLIP_BYTES = 102 * KB  # Gmail shows "[Message clipped]" above this
WARN_BYTES = 90 * KB
MAX_IMAGES = 30  # beyond this, image-heavy mail loads slowly and looks like promotions to filters


def check_size(doc: Document) -> list[Finding]:
    """HTML bytes against Gmail's clipping limit, and the number of images."""
    size = len(doc.result.rendered.html.encode("utf-8"))
    images = sum(1 for _ in doc.root.iter("img"))
    where = doc.page
    findings = []
    if size > CLIP_BYTES:
        findings.append(Finding("error", "clipped",
                                f"the HTML is {size / KB:.1f} KB: Gmail clips emails over 102 KB and hides the rest "
                                "(including the unsubscribe link); remove items or shorten summaries", where, "size"))
    elif size > WARN_BYTES:
        findings.append(Finding("warning", "near-clipping",
                                f"the HTML is {size / KB:.1f} KB, close to Gmail's 102 KB clipping limit", where, "size"))
    if images > MAX_IMAGES:
        findings.append(Finding("warning", "many-images",
                                f"{images} images: emails with many images load slowly and are often filtered",
                                where, "size"))
    return findings


def size_stats(doc: Document) -> dict[str, int]:
    """Figures for the report: HTML and text bytes, image count."""
    return {
        "html_bytes": len(doc.result.rendered.html.encode("utf-8")),
        "text_bytes": len(doc.result.rendered.text.encode("utf-8")),
        "images": sum(1 for _ in doc.root.iter("img")),
    }
