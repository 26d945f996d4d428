"""Images under ``check --links``: fetched from a loopback server serving real PNG/JPEG bytes, measured, cached.

Heavy (> 1 MB) and low-resolution (narrower than twice their display width) images are warnings naming the
item and the address; the sizes are cached with the link results (a second run fetches nothing) and kept in
``<state>/images.json``, from which the offline build gives an item's image its height.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import random
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import lxml.html
import pytest
from PIL import Image

from bulletin.build import build, prepare
from bulletin.check import run_checks
from bulletin.check.links import HEAVY_IMAGE, HttpProbe

T0 = dt.datetime(2022, 6, 1, 9, 0, tzinfo=dt.UTC)
SHOWN = 552  # the width the test template shows item images at


def png(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (30, 90, 160)).save(out, "PNG")
    return out.getvalue()


def noisy_jpeg(width: int, height: int) -> bytes:
    """A JPEG of random noise: noise does not compress, so a large picture is heavy."""
    rng = random.Random(14)
    out = io.BytesIO()
    Image.frombytes("RGB", (width, height), rng.randbytes(width * height * 3)).save(out, "JPEG", quality=95)
    return out.getvalue()


class Server(ThreadingHTTPServer):
    daemon_threads = True
    files: dict[str, bytes]
    requests: list[tuple[str, str]]
    lock: threading.Lock


class Handler(BaseHTTPRequestHandler):
    server: Server

    def do_GET(self) -> None:
        path = urlsplit(self.path).path
        with self.server.lock:
            self.server.requests.append((self.command, path))
        if path == "/loop.png":
            self.send_response(302)
            self.send_header("Location", "/loop.png?again")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        body = self.server.files.get(path)
        if body is None:
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", "image/jpeg" if path.endswith(".jpg") else "image/png")
        if not path.startswith("/nolength"):
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        if path.startswith("/nolength"):
            self.close_connection = True

    do_HEAD = do_GET

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[Server]:
    httpd = Server(("127.0.0.1", 0), Handler)
    httpd.requests, httpd.lock = [], threading.Lock()
    httpd.files = {
        "/sharp.png": png(1200, 600),
        "/blurry.png": png(400, 300),
        "/heavy.jpg": noisy_jpeg(1400, 1000),
        "/nolength/heavy.jpg": noisy_jpeg(1400, 1000),
        "/page": b"",
    }
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def loopback_only(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every address a connection is opened to; anything but 127.0.0.1 fails the test at once."""
    seen: list[str] = []
    connect = socket.socket.connect

    def guarded(self: socket.socket, address: object) -> None:
        host = address[0] if isinstance(address, tuple) else str(address)
        seen.append(host)
        assert host == "127.0.0.1", f"network access beyond loopback: {address}"
        connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)
    return seen


IMAGE_TEMPLATE = {
    '{{ item.summary_html }}': '{{ item.summary_html }}{% if item.image %}<img src="{{ item.image.src }}" alt="{{ item.image.alt }}" '
                               'width="552"{% if item.image.height %} height="{{ item.image.height }}"{% endif %}>{% endif %}',
}


@pytest.fixture
def image_issue(tmp_project, news, template, server, loopback_only):
    """Items with images on the loopback server (minimal template: the items' pages are the server's too)."""
    base = f"http://127.0.0.1:{server.server_address[1]}"
    template(replace=IMAGE_TEMPLATE)
    for name, title, src in (("sharp", "Sharp photo", "sharp.png"), ("blurry", "Blurry chart", "blurry.png"),
                             ("heavy", "Heavy photo", "heavy.jpg")):
        news(f"{name}.md", title=title, url=f"{base}/page?{name}", image=f'image: {{src: "{base}/{src}", alt: "{title}"}}')
    return base


def run(**kwargs):
    kwargs.setdefault("fetch", HttpProbe(timeout=2))
    kwargs.setdefault("clock", lambda: T0)
    return run_checks(prepare("issues/check.yaml"), links=True, **kwargs)


def by_code(report, code):
    return sorted((f for f in report.findings if f.code == code), key=lambda f: f.where)


def test_an_image_over_1_mb_is_a_warning_naming_its_item_and_address(image_issue, server):
    assert len(server.files["/heavy.jpg"]) > HEAVY_IMAGE
    [heavy] = by_code(run(), "image-heavy")
    assert heavy.severity == "warning" and heavy.where == "news/heavy.md:1"
    megabytes = len(server.files["/heavy.jpg"]) / 1024 / 1024
    assert heavy.message.startswith(f'image {image_issue}/heavy.jpg (of "Heavy photo") weighs {megabytes:.1f} MB: over 1 MB')
    assert f"at most {2 * SHOWN} px wide" in heavy.message


def test_an_image_narrower_than_twice_its_display_width_is_a_warning(image_issue):
    low = by_code(run(), "image-low-resolution")
    # blurry.png (400 px) and heavy.jpg (1400 px ≥ 1104) – only the first; sharp.png is 1200 px
    assert [(f.where, f.severity) for f in low] == [("news/blurry.md:1", "warning")]
    assert low[0].message == (f'image {image_issue}/blurry.png (of "Blurry chart") is 400 px wide and shown 552 px wide: '
                              "under 1104 px it looks blurry on high-density screens (most phones); use a picture at least 1104 px wide")


def test_images_are_fetched_with_get_and_measured_once_a_second_run_fetches_nothing(image_issue, server, tmp_project, loopback_only):
    first = run()
    images = sorted(path for method, path in server.requests if path.endswith((".png", ".jpg")))
    assert images == ["/blurry.png", "/heavy.jpg", "/sharp.png"]
    assert all(method == "GET" for method, path in server.requests if path in images)
    cached = json.loads((tmp_project / ".bulletin" / "linkcheck.json").read_text())["links"]
    assert cached[f"{image_issue}/blurry.png"] | {"checked": ""} == {
        "checked": "", "status": 200, "final_url": f"{image_issue}/blurry.png", "bytes": len(server.files["/blurry.png"]),
        "width": 400, "height": 300}
    server.requests.clear()
    second = run(clock=lambda: T0 + dt.timedelta(hours=3))
    assert server.requests == []  # links and images alike from the cache
    assert [f.message for f in by_code(second, "image-heavy") + by_code(second, "image-low-resolution")] == \
           [f.message for f in by_code(first, "image-heavy") + by_code(first, "image-low-resolution")]
    assert second.stats["links"]["cached"] == second.stats["links"]["urls"] == 6
    assert loopback_only and set(loopback_only) == {"127.0.0.1"}


def test_sizes_are_kept_for_the_build_which_then_writes_the_height(image_issue, tmp_project, server):
    before = lxml.html.fromstring(prepare("issues/check.yaml").rendered.html)
    assert [img.get("height") for img in before.iter("img")] == [None, None, None]
    report = run()
    [note] = by_code(report, "image-sizes-saved")
    assert (note.severity, note.where) == ("note", "issues/check.yaml") and "3 images" in note.message and "build again" in note.message
    saved = json.loads((tmp_project / ".bulletin" / "images.json").read_text())["images"]
    assert saved[f"{image_issue}/sharp.png"] == {"bytes": len(server.files["/sharp.png"]), "width": 1200, "height": 600}
    server.requests.clear()
    # the build reads the sizes and fetches nothing
    html = build("issues/check.yaml").out_dir.joinpath("index.html").read_text()
    assert server.requests == []
    heights = {img.get("src").rsplit("/", 1)[1]: img.get("height") for img in lxml.html.fromstring(html).iter("img")}
    assert heights == {"sharp.png": "600", "blurry.png": "300", "heavy.jpg": "1000"}
    # once the heights are there, a new check has nothing to note
    assert by_code(run(clock=lambda: T0 + dt.timedelta(hours=1)), "image-sizes-saved") == []


def test_the_default_theme_scales_the_saved_size_to_the_width_it_shows(image_issue, tmp_project, server):
    run()
    (tmp_project / "templates" / "default" / "email.mjml.j2").unlink()  # the built-in theme: thumbnails 120 px wide
    root = lxml.html.fromstring(prepare("issues/check.yaml").rendered.html)
    sizes = {img.get("src").rsplit("/", 1)[1]: (img.get("width"), img.get("height")) for img in root.iter("img")
             if img.get("src", "").startswith(image_issue)}
    assert sizes == {"sharp.png": ("120", "60"), "blurry.png": ("120", "90"), "heavy.jpg": ("120", "86")}


def test_an_item_giving_width_and_height_keeps_them(image_issue, tmp_project, news):
    run()
    news("sharp.md", title="Sharp photo", url=f"{image_issue}/page?sharp",
         image=f'image: {{src: "{image_issue}/sharp.png", alt: "Sharp photo", width: 300, height: 200}}')
    root = lxml.html.fromstring(prepare("issues/check.yaml").rendered.html)
    assert {img.get("src").rsplit("/", 1)[1]: img.get("height") for img in root.iter("img")}["sharp.png"] == "200"


def test_without_a_content_length_the_bytes_are_counted(image_issue, server, news):
    news("heavy.md", title="Heavy photo", url=f"{image_issue}/page?heavy",
         image=f'image: {{src: "{image_issue}/nolength/heavy.jpg", alt: "Heavy photo"}}')
    [heavy] = by_code(run(), "image-heavy")
    assert heavy.message.startswith(f"image {image_issue}/nolength/heavy.jpg ")
    assert f"weighs {len(server.files['/nolength/heavy.jpg']) / 1024 / 1024:.1f} MB" in heavy.message


def test_the_fetch_is_bounded_size_cap_and_redirects(server, loopback_only):
    base = f"http://127.0.0.1:{server.server_address[1]}"
    capped = HttpProbe(timeout=2, cap=100_000).image(f"{base}/nolength/heavy.jpg")
    assert capped.ok and capped.bytes is not None and 100_000 <= capped.bytes < len(server.files["/nolength/heavy.jpg"])
    assert (capped.width, capped.height) == (1400, 1000)  # the header comes first
    # a JPEG with Content-Length: reading stops once the header is read, the size is the header's
    measured = HttpProbe(timeout=2).image(f"{base}/heavy.jpg")
    assert (measured.bytes, measured.width, measured.height) == (len(server.files["/heavy.jpg"]), 1400, 1000)
    late = HttpProbe(timeout=2, deadline=0).image(f"{base}/heavy.jpg")  # the whole request has a deadline
    assert not late.ok and late.error == "no answer within 0 s"
    server.requests.clear()
    looping = HttpProbe(timeout=2).image(f"{base}/loop.png")
    assert not looping.ok and len(server.requests) == 5  # the request and four redirects, then it gives up


def test_a_page_that_is_not_an_image_has_no_size(server):
    base = f"http://127.0.0.1:{server.server_address[1]}"
    status = HttpProbe(timeout=2).image(f"{base}/page")
    assert status.ok and status.image and (status.width, status.height) == (None, None)
