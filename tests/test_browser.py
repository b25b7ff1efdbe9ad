"""The web page in a real browser: Playwright driving the system's chromium against the real server.

Skipped, with the reason, only where there is no chromium (or no Playwright); CI installs both
(`apt-get install -y chromium`; Playwright's own browser download is never used).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from citeproof.service import background, create_app
from tests.conftest import FAKE, REAL

CHROMIUM = os.environ.get("CITEPROOF_CHROMIUM", "/usr/bin/chromium")
ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]
# the emoji checks that highlights use code-point offsets (it is two UTF-16 units in JavaScript)
ANSWER = f"Self-attention 🤖 replaced recurrence [1]; learned gates route tokens [2].\n\nReferences\n1. {REAL}\n2. {FAKE}\n"

pytestmark = [
    pytest.mark.skipif(not os.access(CHROMIUM, os.X_OK), reason=f"no chromium at {CHROMIUM} (apt-get install -y chromium)"),
]


@pytest.fixture(scope="module")
def url(verifier) -> Iterator[str]:
    with background(create_app(verifier)) as base:
        yield base


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install playwright)")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser, url: str):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=url)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("requestfailed", lambda r: errors.append(f"request failed: {r.url}"))
    page.goto(url)
    yield page
    context.close()
    assert not errors, errors


def test_page_marks_each_citation_and_shows_the_evidence(page, tmp_path: Path) -> None:
    page.fill("#answer", ANSWER)
    page.click("#verify")
    marks = page.locator("mark.cite")
    marks.first.wait_for()
    assert marks.count() == 2
    assert re.search(r"\bverified\b", marks.nth(0).get_attribute("class") or "")
    assert re.search(r"\bfabricated\b", marks.nth(1).get_attribute("class") or "")
    assert marks.nth(0).inner_text() == REAL and marks.nth(1).inner_text() == FAKE
    assert "1 verified" in page.inner_text("#summary") and "1 fabricated" in page.inner_text("#summary")

    marks.nth(0).hover()
    panel = page.locator("#panel")
    assert "Matched record" in panel.text_content() and "Attention is All you Need" in panel.text_content()
    assert panel.locator('a[href="https://arxiv.org/abs/1706.03762"]').count() == 1

    marks.nth(1).hover()
    assert "Closest real works (suggestions, not the answer)" in panel.text_content()
    suggestions = panel.locator(".suggestions .work")
    assert suggestions.count() >= 3
    assert suggestions.first.locator("a[href^='https://']").count() >= 1
    page.screenshot(path=str(tmp_path / "citeproof-page.png"), full_page=True)

    page.click("#copy-bibtex")
    out = page.locator("#bibtex-out")
    out.wait_for()
    bib = out.input_value()
    assert bib.startswith("@inproceedings{vaswani2017attention,\n") and "% fabricated, left out: Smith" in bib
    assert page.evaluate("navigator.clipboard.readText()") == bib
    assert "Copied" in page.inner_text("#copy-status")


def test_page_reports_service_errors_in_words(page) -> None:
    page.click("#verify")
    assert "Paste an answer first" in page.inner_text("#status")
    page.fill("#answer", "x" * 1_100_000)  # over the service's 1,000,000-byte limit
    page.click("#verify")
    page.wait_for_function("document.getElementById('status').textContent.includes('larger than')")
    assert "1,000,000 bytes" in page.inner_text("#status")


def test_page_shows_not_in_this_index_apart_from_fabricated(page) -> None:
    # ICML 1985: the index covers nothing there (unverifiable, out of coverage); ICML 2021 it covers
    outside = "Zzyzx, Q. (1985). Quantum gradient flows for sparse mixture routing. ICML."
    covered = "Smith, J., & Lee, K. (2021). Quantum gradient hashing for sparse retrieval transformers. ICML."
    page.fill("#answer", f"{outside}\n{covered}\n")
    page.click("#verify")
    marks = page.locator("mark.cite")
    marks.first.wait_for()
    classes = [set((marks.nth(i).get_attribute("class") or "").split()) for i in range(marks.count())]
    assert classes == [{"cite", "not-in-index"}, {"cite", "fabricated", "selected"}]
    colour = "getComputedStyle(document.querySelectorAll('mark.cite')[{}]).borderBottomColor"
    assert page.evaluate(colour.format(0)) != page.evaluate(colour.format(1))
    summary = page.inner_text("#summary")
    assert "1 not in this index" in summary and "1 fabricated" in summary and "unverifiable" not in summary
    marks.nth(0).hover()
    chip = page.locator("#panel h3 .chip")
    assert chip.inner_text() == "not in this index" and "not-in-index" in (chip.get_attribute("class") or "")
    assert "to settle it: run with --online" in page.text_content("#panel")
