"""What feed readers get from the web servers in front of the output folder, asked with
plain HTTP/1.1 requests on a socket (so every byte sent is counted).

Usage: check.py INPUT OUTPUT NAME=URL[ brotli]...

For each server: every file's status, Content-Type, Cache-Control, CORS, compression
and body; 304 for If-None-Match and for If-Modified-Since; HEAD; nothing outside the
feeds served. Then a new digest goes into INPUT, and once the daemon has written it,
each feed that did not change still answers 304 with the same validators, and each one
that did answers 200 with new ones. Prints the bytes of one conditional poll of every
feed before and after."""
import gzip
import socket
import sys
import time
from pathlib import Path
from urllib.parse import quote, urlsplit

inp, out = Path(sys.argv[1]), Path(sys.argv[2])
servers = []
for arg in sys.argv[3:]:
    name, _, rest = arg.partition("=")
    url, *flags = rest.split()
    servers.append((name, url, "brotli" in flags))
failures = []

TYPES = {
    "rss.xml": "application/rss+xml; charset=utf-8",
    "atom.xml": "application/atom+xml; charset=utf-8",
    "feed.json": "application/feed+json; charset=utf-8",
    "index.opml": "text/x-opml; charset=utf-8",
    "index.html": "text/html; charset=utf-8",
}
FEEDS = ("rss.xml", "atom.xml", "feed.json")


def fail(server, what):
    failures.append(f"{server}: {what}")


def request(base, path, method="GET", headers=None):
    """(status, headers with lowercase names, body, bytes received)."""
    url = urlsplit(base)
    lines = [f"{method} {path} HTTP/1.1", f"Host: {url.netloc}", "Connection: close"]
    lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
    with socket.create_connection((url.hostname, url.port), timeout=10) as sock:
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        raw = b""
        while chunk := sock.recv(65536):
            raw += chunk
    head, _, body = raw.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    fields = {}
    for line in header_lines:
        key, _, value = line.partition(":")
        fields[key.strip().lower()] = value.strip()
    if fields.get("transfer-encoding", "").lower() == "chunked":
        plain, rest = b"", body
        while rest:
            size, _, rest = rest.partition(b"\r\n")
            n = int(size.split(b";")[0], 16)
            if n == 0:
                break
            plain, rest = plain + rest[:n], rest[n + 2 :]
        body = plain
    return int(status_line.split()[1]), fields, body, len(raw)


def weak(etag):
    return (etag or "").removeprefix("W/")


def served_files():
    """Output paths a reader may ask for: every file but the hidden ones."""
    return sorted(
        str(p.relative_to(out))
        for p in out.rglob("*")
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(out).parts)
    )


def url_path(rel):
    return "/" + quote(rel)


def feeds():
    return [f for f in served_files() if f.rsplit("/", 1)[-1] in FEEDS]


def validators(name, base):
    """Each feed's ETag and Last-Modified, asked as a reader with gzip asks."""
    found = {}
    for rel in feeds():
        status, fields, _, _ = request(base, url_path(rel), headers={"Accept-Encoding": "gzip"})
        if status != 200:
            fail(name, f"{rel}: {status}")
        found[rel] = (fields.get("etag"), fields.get("last-modified"))
    return found


def poll(base, known):
    """One conditional poll of every feed: (bytes received, statuses)."""
    total, statuses = 0, {}
    for rel, (etag, modified) in known.items():
        status, fields, _, size = request(
            base,
            url_path(rel),
            headers={
                "Accept-Encoding": "gzip",
                **({"If-None-Match": etag} if etag else {}),
                **({"If-Modified-Since": modified} if modified else {}),
            },
        )
        total += size
        statuses[rel] = (status, fields.get("etag"), fields.get("last-modified"))
    return total, statuses


def wait_for(condition, what, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    sys.exit(f"FAIL: {what} within {timeout} s")


def snapshot():
    return {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}


def settled():
    """The output folder as the daemon left it: unchanged over three looks."""
    looks = [snapshot()]
    while True:
        time.sleep(0.1)
        looks.append(snapshot())
        if len(looks) >= 3 and looks[-1] == looks[-2] == looks[-3]:
            return looks[-1]


wait_for(lambda: (out / "atom.xml").exists(), "the daemon wrote no atom.xml")
for name, base, _ in servers:
    wait_for(lambda: request(base, "/atom.xml")[0] == 200, f"{name} did not serve /atom.xml")
settled()

for name, base, brotli in servers:
    for rel in served_files():
        kind = rel.rsplit("/", 1)[-1]
        path = url_path(rel)
        body = (out / rel).read_bytes()
        status, fields, sent, _ = request(base, path, headers={"Accept-Encoding": "gzip"})
        if status != 200:
            fail(name, f"{rel}: {status}")
            continue
        if fields.get("content-type") != TYPES[kind]:
            fail(name, f"{rel}: Content-Type {fields.get('content-type')!r}, want {TYPES[kind]!r}")
        if fields.get("cache-control") != "public, max-age=300":
            fail(name, f"{rel}: Cache-Control {fields.get('cache-control')!r}")
        if kind != "index.html" and fields.get("access-control-allow-origin") != "*":
            fail(name, f"{rel}: no Access-Control-Allow-Origin: *")
        if not fields.get("etag") or not fields.get("last-modified"):
            fail(name, f"{rel}: validators missing: {fields}")
        if len(body) >= 1024:
            if fields.get("content-encoding") != "gzip":
                fail(name, f"{rel}: not gzipped when asked ({fields.get('content-encoding')})")
            elif gzip.decompress(sent) != body:
                fail(name, f"{rel}: the gzipped body is not the file")
            if "accept-encoding" not in fields.get("vary", "").lower():
                fail(name, f"{rel}: no Vary: Accept-Encoding")
        elif fields.get("content-encoding") is None and sent != body:
            fail(name, f"{rel}: the body is not the file")
        # Without Accept-Encoding, the file as it is.
        status, fields, plain, _ = request(base, path)
        if status != 200 or plain != body or "content-encoding" in fields:
            fail(name, f"{rel}: uncompressed GET gave {status}, {len(plain)} bytes, {fields.get('content-encoding')}")
        if brotli and len(body) >= 1024:
            _, fields, _, _ = request(base, path, headers={"Accept-Encoding": "br"})
            if fields.get("content-encoding") != "br":
                fail(name, f"{rel}: not Brotli when asked")
    # A feed folder's URL opens its page.
    folder = next(f for f in served_files() if f.startswith("categories/") and f.endswith("/index.html"))
    status, fields, page, _ = request(base, url_path(folder[: -len("index.html")]))
    if status != 200 or page != (out / folder).read_bytes():
        fail(name, f"the folder of {folder}: {status}")
    # Conditional GETs of an unchanged feed, by each validator, and HEAD.
    for rel in feeds()[:6]:
        _, fields, _, _ = request(base, url_path(rel), headers={"Accept-Encoding": "gzip"})
        for header, value in (("If-None-Match", fields["etag"]), ("If-Modified-Since", fields["last-modified"])):
            status, again, body, _ = request(base, url_path(rel), headers={"Accept-Encoding": "gzip", header: value})
            if status != 304 or body:
                fail(name, f"{rel}: {header} gave {status} with {len(body)} bytes")
        status, head, body, _ = request(base, url_path(rel), method="HEAD")
        if status != 200 or body or head.get("content-type") != TYPES[rel.rsplit("/", 1)[-1]]:
            fail(name, f"{rel}: HEAD gave {status}, {len(body)} bytes, {head.get('content-type')}")
    # Nothing outside the feeds: the manifest, a temporary file, paths out of the root.
    (out / ".atom.xml.digestfeed-tmp").write_bytes(b"half a feed")
    for path in ("/.digestfeed-manifest", "/.atom.xml.digestfeed-tmp", "/../../../../etc/passwd",
                 "/%2e%2e/%2e%2e/%2e%2e/etc/passwd", "/categories/..%2f..%2f..%2fetc/passwd"):
        status, _, body, _ = request(base, path)
        if status == 200 or b"root:" in body or b"half a feed" in body:
            fail(name, f"{path} was served ({status})")
    (out / ".atom.xml.digestfeed-tmp").unlink()

known = {name: validators(name, base) for name, base, _ in servers}
# The same poll without validators, for comparison: every feed sent again.
blind = {name: poll(base, {rel: ("", "") for rel in known[name]})[0] for name, base, _ in servers}
quiet = {name: poll(base, known[name]) for name, base, _ in servers}
for name, (size, statuses) in quiet.items():
    not_modified = [rel for rel, (status, _, _) in statuses.items() if status != 304]
    if not_modified:
        fail(name, f"unchanged feeds not 304: {not_modified[:5]}")

# A new digest, newer than every other.
before = settled()
(inp / "zz-new.md").write_text(
    "---\ntitle: \"new\"\ndate: 2025-06-01T08:00:00+08:00\ncategories: [\"Servers\"]\n---\n\n"
    "1.  [A new story - Ben Tossell](https://x.com/bentossell/status/1999999999)\n\n    Fresh.\n"
)
wait_for(lambda: (out / "atom.xml").read_bytes() != before[out / "atom.xml"], "the daemon did not take the new digest in")
after = settled()
for name, base, _ in servers:
    size, statuses = poll(base, known[name])
    changed = [rel for rel in known[name] if before.get(out / rel) != after.get(out / rel)]
    for rel, (status, etag, modified) in statuses.items():
        old = known[name][rel]
        if rel in changed:
            if status != 200 or weak(etag) == weak(old[0]):
                fail(name, f"{rel} changed but answered {status} with ETag {etag}")
        # A 304 must repeat the ETag, compared weakly (nginx marks a gzipped 200's weak,
        # not the 304's); Last-Modified it may leave out (RFC 9110 §15.4.5).
        elif status != 304 or weak(etag) != weak(old[0]) or modified not in (None, old[1]):
            fail(name, f"{rel} did not change but answered {status}, {etag} {modified} (was {old})")
    print(
        f"{name}: one conditional poll of all {len(statuses)} feed files (gzip): "
        f"{quiet[name][0]:,} bytes with nothing new, {size:,} bytes after one digest "
        f"({len(changed)} files changed); {blind[name]:,} bytes without validators"
    )

if failures:
    print("\n".join(f"FAIL: {f}" for f in failures))
    sys.exit(1)
print("servers: " + ", ".join(name for name, _, _ in servers) + " serve the feeds as readers need")
