"""The benchmark's web server: a static site served the way GitHub Pages
serves it (gzip Content-Encoding for text and wasm, stored .zip/.gz/.whl as
they are), from memory, optionally through a slow shared link, counting every
byte it sends.

Used by bench/bench_site.py; not a general-purpose server (GET and HEAD of
files known at start-up only).
"""

from __future__ import annotations

import gzip
import threading
import time
import urllib.parse
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

#: Compressed on the fly by GitHub Pages (and here, once, at start-up).
COMPRESSIBLE = frozenset({".html", ".js", ".mjs", ".css", ".json", ".wasm", ".txt", ".py"})
GZIP_LEVEL = 6  # zlib's default, what most front ends use for on-the-fly gzip
CHUNK = 16 * 1024

CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".wasm": "application/wasm",
    ".txt": "text/plain; charset=utf-8",
    ".py": "text/x-python; charset=utf-8",
    ".zip": "application/zip",
    ".gz": "application/gzip",
    ".whl": "application/octet-stream",
    ".png": "image/png",
}


@dataclass(frozen=True)
class Body:
    raw: bytes
    gzipped: bytes | None  # None: sent as stored
    content_type: str


class Files:
    """URL path -> file body, every compressible body gzipped once up front."""

    def __init__(self, mounts: Mapping[str, Path | Mapping[str, Path]]) -> None:
        """``mounts`` maps a URL prefix ("/convcore/") to a folder served whole,
        or to a {relative name: file} mapping of single files."""
        sources: dict[str, Path] = {}
        for prefix, target in mounts.items():
            if isinstance(target, Path):
                for path in sorted(target.rglob("*")):
                    if path.is_file():
                        sources[prefix + path.relative_to(target).as_posix()] = path
            else:
                for name, path in target.items():
                    sources[prefix + name] = path
        raw = {url: path.read_bytes() for url, path in sources.items()}

        def pack(url: str) -> tuple[str, Body]:
            suffix = Path(url).suffix
            data = raw[url]
            packed = gzip.compress(data, GZIP_LEVEL, mtime=0) if suffix in COMPRESSIBLE else None
            kind = CONTENT_TYPES.get(suffix, "application/octet-stream")
            return url, Body(data, packed, kind)

        # zlib releases the GIL: the big bodies compress side by side.
        with ThreadPoolExecutor(max_workers=4) as pool:
            self.bodies = dict(pool.map(pack, sorted(raw, key=lambda u: -len(raw[u]))))

    def lookup(self, url_path: str) -> Body | None:
        if url_path.endswith("/"):
            url_path += "index.html"
        return self.bodies.get(url_path)


class Link:
    """A link shared by every connection: ``rate`` bytes/s through one token
    bucket (so parallel downloads split the bandwidth) and ``latency`` seconds
    before each response starts."""

    def __init__(self, rate: float, latency: float, burst: int = 4 * CHUNK) -> None:
        self.rate = rate
        self.latency = latency
        self.burst = burst
        self._lock = threading.Lock()
        self._free_at = 0.0

    def wait_latency(self) -> None:
        time.sleep(self.latency)

    def take(self, n: int) -> None:
        """Block until ``n`` more bytes have gone through the link."""
        with self._lock:
            now = time.monotonic()
            start = max(self._free_at, now - self.burst / self.rate)
            self._free_at = start + n / self.rate
            wait = self._free_at - now
        if wait > 0:
            time.sleep(wait)


@dataclass
class Sent:
    path: str
    status: int
    encoding: str
    header_bytes: int
    body_bytes: int


@dataclass
class Meter:
    """What the server sent since the last reset."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    log: list[Sent] = field(default_factory=list)
    body_bytes: int = 0
    header_bytes: int = 0

    def reset(self) -> None:
        with self.lock:
            self.log = []
            self.body_bytes = 0
            self.header_bytes = 0

    def add_body(self, n: int) -> None:
        with self.lock:
            self.body_bytes += n

    def add_response(self, sent: Sent) -> None:
        with self.lock:
            self.log.append(sent)
            self.header_bytes += sent.header_bytes

    def snapshot(self) -> dict[str, object]:
        with self.lock:
            return {
                "bytes": self.body_bytes + self.header_bytes,
                "body_bytes": self.body_bytes,
                "requests": len(self.log),
                "files": [
                    {
                        "path": s.path,
                        "status": s.status,
                        "encoding": s.encoding,
                        "bytes": s.body_bytes,
                    }
                    for s in self.log
                ],
            }


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as every real host does
    server: StaticServer

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        self._respond(with_body=True)

    def do_HEAD(self) -> None:
        self._respond(with_body=False)

    def _respond(self, with_body: bool) -> None:
        server = self.server
        path = urllib.parse.unquote(urllib.parse.urlsplit(self.path).path)
        body = server.files.lookup(path)
        if server.link is not None:
            server.link.wait_latency()
        if body is None:
            data, encoding, status, kind = b"not found\n", "", 404, "text/plain"
        else:
            accepts_gzip = "gzip" in self.headers.get("Accept-Encoding", "")
            status, kind = 200, body.content_type
            if body.gzipped is not None and accepts_gzip:
                data, encoding = body.gzipped, "gzip"
            else:
                data, encoding = body.raw, ""
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        if encoding:
            self.send_header("Content-Encoding", encoding)
        if body is not None and body.gzipped is not None:
            self.send_header("Vary", "Accept-Encoding")
        self.send_header("Cache-Control", "max-age=600")
        header_bytes = sum(len(part) for part in getattr(self, "_headers_buffer", []))
        self.end_headers()
        header_bytes += 2
        sent = Sent(path, status, encoding, header_bytes, len(data) if with_body else 0)
        server.meter.add_response(sent)
        if not with_body:
            return
        try:
            for start in range(0, len(data), CHUNK):
                chunk = data[start : start + CHUNK]
                if server.link is not None:
                    server.link.take(len(chunk))
                self.wfile.write(chunk)
                server.meter.add_body(len(chunk))
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True


class StaticServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def __init__(self, files: Files, link: Link | None) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.files = files
        self.link = link
        self.meter = Meter()
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)
        self._thread.start()

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def stop(self) -> None:
        self.shutdown()
        self.server_close()
