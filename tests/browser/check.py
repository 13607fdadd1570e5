"""Judges what tests/browser/run captured for each page: its screenshots, its DOM after
Chromium ran it, and its layout at 390 px. Usage: check.py WORK PAGE...

A page's feed is the one whose files are beside it (the front page's: the global feed)."""
import html
import json
import re
import sys
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote

from PIL import Image

ATOM = "{http://www.w3.org/2005/Atom}"
work = Path(sys.argv[1])
pages = sys.argv[2:]
failures = []


def fail(page, what):
    failures.append(f"{page}: {what}")


class Dom(HTMLParser):
    """What the checks read of a page: autodiscovery links, links of listed entries,
    everything that could run code, and the title."""

    def __init__(self):
        super().__init__()
        self.alternates, self.entries, self.headlines, self.active = [], [], [], []
        self.title, self._in, self._title = "", [], False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "link" and attrs.get("rel") == "alternate":
            self.alternates.append(attrs)
        if tag in ("script", "iframe", "object", "embed", "svg"):
            self.active.append(tag)
        for name, value in attrs.items():
            if name.startswith("on") or (value or "").strip().lower().startswith("javascript:"):
                self.active.append(f"{tag} {name}={value}")
        if tag == "ol":
            self._in.append(attrs.get("class", ""))
        if tag == "a" and self._in:
            kind = self._in[-1]
            if kind == "e" and self.lasttag_was_h3:
                self.entries.append(attrs.get("href", ""))
            if kind == "h" and self.first_in_li:
                self.headlines.append(attrs.get("href", ""))
        self.lasttag_was_h3 = tag == "h3"
        self.first_in_li = tag == "li"
        if tag == "title":
            self._title = True

    def handle_endtag(self, tag):
        if tag == "ol" and self._in:
            self._in.pop()
        if tag == "title":
            self._title = False

    def handle_data(self, data):
        if self._title:
            self.title += data

    lasttag_was_h3 = False
    first_in_li = False


def feed_of(page):
    """The output folder of a page's feed, and its folder inside it."""
    out, _, rest = page.partition("/")
    return work / out, rest[: -len("index.html")]


for i, page in enumerate(pages):
    for width in (390, 1200):
        image = Image.open(work / f"shot-{i}-{width}.png").convert("RGB")
        if image.width != width:
            fail(page, f"screenshot at {width} px is {image.width} px wide")
        colours = image.getcolors(maxcolors=1 << 24)
        total = image.width * image.height
        share = (total - max(count for count, _ in colours)) / total
        # Text, rules and links: a page that rendered nothing, or only its background,
        # has one colour or a few.
        if share < 0.02 or len(colours) < 16:
            fail(page, f"screenshot at {width} px looks blank ({share:.1%} ink, {len(colours)} colours)")
        print(f"{page} at {width} px: {share:.1%} of pixels not background, {len(colours)} colours")

    dom = Dom()
    dom.feed((work / f"dom-{i}.html").read_text())
    if "PWNED" in dom.title or dom.active:
        fail(page, f"code could run: title {dom.title!r}, {dom.active}")

    out, folder = feed_of(page)
    atom = ET.parse(out / folder / "atom.xml").getroot()
    rss = ET.parse(out / folder / "rss.xml").getroot()
    feed_json = json.loads((out / folder / "feed.json").read_text())
    selves = {
        "application/atom+xml": next(l.get("href") for l in atom.iter(f"{ATOM}link") if l.get("rel") == "self"),
        "application/rss+xml": next(l.get("href") for l in rss.iter(f"{ATOM}link") if l.get("rel") == "self"),
        "application/feed+json": feed_json["feed_url"],
    }
    found = {link.get("type"): link.get("href") for link in dom.alternates}
    if found != selves or len(dom.alternates) != 3:
        fail(page, f"autodiscovery {dom.alternates}, want the feed's self links {selves}")
    titles = [link.get("title", "") for link in dom.alternates]
    if len(set(titles)) != len(titles) or not all(titles):
        fail(page, f"autodiscovery titles not distinct: {titles}")

    # The entries shown are the first of the feed, in its order.
    links = [e.find(f"{ATOM}link").get("href") for e in atom.iter(f"{ATOM}entry")]
    shown = dom.headlines if folder == "" else dom.entries
    if not shown or shown != links[: len(shown)]:
        fail(page, f"entries {shown[:3]}… are not the first {len(shown)} of atom.xml {links[:3]}…")
    if folder != "" and len(shown) != len(links):
        fail(page, f"{len(shown)} entries shown of the {len(links)} in atom.xml")
    print(f"{page}: {len(shown)} entries as in atom.xml, autodiscovery as the feed's self links")

    measured = re.search(r'data-result="([^"]*)"', (work / f"measured-{i}.html").read_text())
    if not measured:
        fail(page, "the layout at 390 px was not measured")
        continue
    result = json.loads(html.unescape(measured.group(1)))
    print(f"{page} layout at 390 px: {result}")
    if folder == "" and result["dates"] == 0:
        fail(page, "no dates in the front page's tables")
    if result["wrapped"]:
        fail(page, f"dates broken over lines at 390 px: {result['wrapped']}")
    if result["overflow"] > 0:
        fail(page, f"the page scrolls sideways at 390 px by {result['overflow']} px")

# The labels follow site.language.
for page, words in (("zh/index.html", "最新消息"), ("en/index.html", "Latest news")):
    if page in pages and words not in (work / page).read_text():
        fail(page, f"no {words!r}: labels not in the site's language")

if failures:
    print("\n".join(f"FAIL: {f}" for f in failures))
    sys.exit(1)
print(f"pages: {len(pages)} look right in Chromium")
