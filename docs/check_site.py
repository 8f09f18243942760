"""Build the documentation site and check every page in a real browser (headless Chromium).

    python docs/check_site.py                # build (docs/build.sh), then check every page
    python docs/check_site.py --no-build     # check the site already in docs/_build/html

Each HTML page of the site is served over HTTP on localhost and loaded in headless Chromium
(Debian's ``chromium`` and ``chromium-driver``, driven by Selenium); the check fails on:

* a page error: an uncaught JavaScript exception or a console error (Chromium's ``SEVERE``
  log entries, which include a resource that failed to load);
* a broken internal link: a link to a page of the site that does not exist, or to an anchor
  (``#id``) that the target page does not have;
* a missing image: an ``<img>`` that did not load (``naturalWidth == 0``);
* an empty notebook output: a tutorial page without any cell output, or with an output area
  that shows nothing (no text, no image).

Prints one line per problem and a summary; exit status 1 if any, 0 otherwise.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from urllib.parse import unquote, urldefrag, urljoin, urlparse

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
SITE = DOCS / "_build" / "html"
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
)

# what each page reports, gathered in the browser after load
PAGE_SCRIPT = """
const images = Array.from(document.images).map(i => ({src: i.currentSrc || i.src,
    ok: i.complete && i.naturalWidth > 0}));
const links = Array.from(document.querySelectorAll('a[href]')).map(a => a.href);
const ids = Array.from(document.querySelectorAll('[id]')).map(e => e.id);
const cells = Array.from(document.querySelectorAll('div.cell'));
const outputs = Array.from(document.querySelectorAll('div.cell_output')).map(o => ({
    text: o.innerText.trim().length,
    media: o.querySelectorAll('img, svg, table, iframe').length}));
const math = document.querySelectorAll('div.math, span.math').length;
return {images, links, ids, cells: cells.length, outputs, math,
        title: document.title, bodyText: document.body.innerText.trim().length};
"""


def find_binary(names: tuple[str, ...]) -> str:
    for name in names:
        found = shutil.which(name)
        if found:
            return found
    raise SystemExit(
        f"check_site: none of {names} found; install Debian's chromium and chromium-driver "
        "(apt-get install -y chromium chromium-driver)"
    )


def serve(site: Path) -> tuple[http.server.ThreadingHTTPServer, str]:
    """Serve ``site`` on a free localhost port; the server and its base URL."""

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

    handler = functools.partial(Quiet, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/"


def browser(profile: str):  # noqa: ANN201 - a selenium WebDriver
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = find_binary(("chromium", "chromium-browser", "google-chrome"))
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    service = Service(executable_path=find_binary(("chromedriver",)))
    driver = webdriver.Chrome(service=service, options=options)
    driver.set_page_load_timeout(60)
    return driver


def wait_for_math(driver, seconds: float = 20.0) -> bool:  # noqa: ANN001
    """Whether MathJax typeset the page's formulas (``mjx-container`` elements) in time."""
    import time

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if driver.execute_script("return document.querySelectorAll('mjx-container').length"):
            return True
        time.sleep(0.2)
    return False


def page_path(site: Path, base: str, url: str) -> Path | None:
    """The file of the site an internal URL names (``None`` for an external URL)."""
    if not url.startswith(base):
        return None
    relative = unquote(urlparse(url).path)[len(urlparse(base).path) :]
    path = site / relative
    if relative == "" or relative.endswith("/"):
        path = path / "index.html"
    return path


def check(site: Path) -> list[str]:
    pages = sorted(p for p in site.rglob("*.html") if "_static" not in p.parts)
    if not pages:
        return [f"{site}: no HTML pages (was the site built?)"]
    problems: list[str] = []
    server, base = serve(site)
    ids: dict[Path, set[str]] = {}
    links: dict[Path, list[str]] = {}
    with tempfile.TemporaryDirectory() as profile:
        driver = browser(profile)
        try:
            for page in pages:
                name = page.relative_to(site).as_posix()
                driver.get(urljoin(base, name))
                report = driver.execute_script(PAGE_SCRIPT)
                if report["math"] and not wait_for_math(driver):
                    problems.append(f"{name}: {report['math']} formulas, not typeset by MathJax")
                for entry in driver.get_log("browser"):
                    message = entry.get("message", "")
                    # the browser asks for /favicon.ico by itself; the site declares none
                    if entry.get("level") == "SEVERE" and "/favicon.ico" not in message:
                        problems.append(f"{name}: page error: {message}")
                if report["bodyText"] == 0:
                    problems.append(f"{name}: the page shows no text")
                for image in report["images"]:
                    if not image["ok"]:
                        problems.append(f"{name}: missing image {image['src']}")
                if name.startswith("tutorials/") and name != "tutorials/index.html":
                    if report["cells"] == 0 or not report["outputs"]:
                        problems.append(f"{name}: a notebook page without any cell output")
                    for i, out in enumerate(report["outputs"]):
                        if out["text"] == 0 and out["media"] == 0:
                            problems.append(f"{name}: notebook output {i + 1} is empty")
                ids[page] = set(report["ids"])
                links[page] = report["links"]
        finally:
            driver.quit()
            server.shutdown()
    for page, hrefs in links.items():
        name = page.relative_to(site).as_posix()
        for href in hrefs:
            url, fragment = urldefrag(href)
            target = page_path(site, base, url)
            if target is None:
                continue  # external: not checked (no network at build time)
            if not target.exists():
                problems.append(f"{name}: broken link {href} (no {target.relative_to(site)})")
            elif fragment and target.suffix == ".html":
                anchors = ids.get(target)
                if anchors is not None and unquote(fragment) not in anchors:
                    problems.append(f"{name}: broken anchor {href}")
    print(f"check_site: {len(pages)} pages, {sum(map(len, links.values()))} links checked")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-build", action="store_true", help="check the existing build")
    parser.add_argument("--site", type=Path, default=SITE, help="the built site (HTML)")
    args = parser.parse_args(argv)
    if not args.no_build:
        env = dict(os.environ, GAMEDYN_SMALL="1")
        subprocess.run(["bash", str(DOCS / "build.sh")], check=True, cwd=ROOT, env=env)
    problems = check(args.site)
    for problem in problems:
        print(f"check_site: {problem}")
    summary = {"pages_with_problems": len({p.split(":")[0] for p in problems})}
    print(f"check_site: {len(problems)} problems {json.dumps(summary)}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
