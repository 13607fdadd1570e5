"""Judges what tests/browser/run captured: screenshots, the DOM, the layout at 390 px."""
import html
import json
import re
import sys
from html.parser import HTMLParser
from pathlib import Path

from PIL import Image

work = Path(sys.argv[1])
failures = []

for width in (390, 1200):
    image = Image.open(work / f"page-{width}.png").convert("RGB")
    if image.width != width:
        failures.append(f"screenshot at {width} px is {image.width} px wide")
    colours = image.getcolors(maxcolors=1 << 24)
    total = image.width * image.height
    background = max(count for count, _ in colours)
    share = (total - background) / total
    # Text, rules and links: a page that rendered nothing, or only its background, has
    # one colour or a few.
    if share < 0.02 or len(colours) < 16:
        failures.append(f"screenshot at {width} px looks blank ({share:.1%} ink, {len(colours)} colours)")
    print(f"screenshot {width} px: {share:.1%} of pixels not background, {len(colours)} colours")


class Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "link" and attrs.get("rel") == "alternate":
            self.links.append(attrs)


parser = Links()
parser.feed((work / "dom.html").read_text())
types = sorted(link.get("type", "") for link in parser.links)
want = ["application/atom+xml", "application/feed+json", "application/rss+xml"]
if types != want:
    failures.append(f"autodiscovery types {types}, want {want}")
titles = [link.get("title", "") for link in parser.links]
if len(set(titles)) != len(titles) or any(not t for t in titles):
    failures.append(f"autodiscovery titles not distinct: {titles}")
for link in parser.links:
    href = link.get("href", "")
    name = href.rsplit("/", 1)[-1]
    if not re.match(r"https?://", href) or not (work / "out" / name).is_file():
        failures.append(f"autodiscovery link {href} is not an absolute URL of a written feed")
print(f"autodiscovery: {len(parser.links)} links, titles {titles}")

found = re.search(r'data-result="([^"]*)"', (work / "measured.html").read_text())
if not found:
    failures.append("the layout at 390 px was not measured")
else:
    result = json.loads(html.unescape(found.group(1)))
    print(f"layout at 390 px: {result}")
    if result["dates"] == 0:
        failures.append("no dates found on the page")
    if result["wrapped"]:
        failures.append(f"dates broken over lines at 390 px: {result['wrapped']}")
    if result["overflow"] > 0:
        failures.append(f"the page scrolls sideways at 390 px by {result['overflow']} px")

if failures:
    print("\n".join(f"FAIL: {f}" for f in failures))
    sys.exit(1)
print("index.html: looks right in Chromium")
