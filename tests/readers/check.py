"""Reads every feed digestfeed wrote with Python's feedparser, a reader this project
did not write, and checks it against the JSON Feed of the same folder.

    python3 tests/readers/check.py OUTPUT_DIR

For every folder with rss.xml, atom.xml and feed.json: feedparser must report no
"bozo" (malformed) error for either XML file, and both must hold the JSON Feed's
entries, in order, with the same ids, titles, links and authors. Exit 1 on any failure.
"""
import json
import pathlib
import sys

import feedparser


def check(folder: pathlib.Path) -> list[str]:
    problems = []
    expected = json.loads((folder / "feed.json").read_text(encoding="utf-8"))
    items = expected["items"]
    for name in ("rss.xml", "atom.xml"):
        parsed = feedparser.parse((folder / name).read_bytes())
        where = f"{folder / name}"
        if parsed.bozo:
            problems.append(f"{where}: feedparser: {parsed.bozo_exception!r}")
            continue
        if len(parsed.entries) != len(items):
            problems.append(f"{where}: {len(parsed.entries)} entries, feed.json has {len(items)}")
            continue
        self_links = [l.href for l in parsed.feed.get("links", []) if l.get("rel") == "self"]
        wanted_self = expected["feed_url"].replace("feed.json", name)
        if self_links != [wanted_self]:
            problems.append(f"{where}: self link {self_links}, expected {wanted_self}")
        for got, want in zip(parsed.entries, items):
            # An Atom entry without an author of its own has the feed's (RFC 4287 4.2.1);
            # feedparser leaves that inheritance to the reader.
            author = got.get("author")
            if author is None and name == "atom.xml":
                author = parsed.feed.get("author")
            for field, have, should in (
                ("id", got.get("id"), want["id"]),
                ("link", got.get("link"), want["url"]),
                ("title", got.get("title"), want["title"]),
                ("author", author, want["authors"][0]["name"]),
            ):
                if have != should:
                    problems.append(f"{where}: entry {want['id']}: {field} {have!r}, expected {should!r}")
    return problems


def main() -> int:
    root = pathlib.Path(sys.argv[1])
    folders = sorted(p.parent for p in root.rglob("feed.json"))
    problems = [p for folder in folders for p in check(folder)]
    for p in problems:
        print(p)
    print(f"feedparser {feedparser.__version__}: {len(folders)} feeds x 2 formats checked, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
