"""Real browser tests: elearn served on a free port with a fresh database, driven in
Debian's Chromium by Playwright, with axe-core checking every page visited.

Without Chromium these tests are skipped on a developer's machine and fail in CI
(CI=true): `make e2e` installs it first.
"""

from __future__ import annotations

import os
import re
import shutil
import threading
from pathlib import Path

import pytest
from flask_migrate import upgrade
from werkzeug.serving import make_server

from elearn import create_app
from elearn.config import PROJECT_DIR, TestConfig
from elearn.courses.loader import load_catalogue

CHROMIUM = "/usr/bin/chromium"
AXE = PROJECT_DIR / "static" / "vendor" / "axe-core" / "axe.min.js"
OUTPUT = PROJECT_DIR / "test-output" / "e2e"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
WIDTHS = {"desktop": 1280, "phone": 320}


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def chromium_path() -> str:
    if not Path(CHROMIUM).exists():
        message = f"Chromium is not installed at {CHROMIUM}: run `make e2e` to install it"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return CHROMIUM


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    """The real app on a free port, on its own fresh SQLite database, with the real courses."""
    instance = tmp_path_factory.mktemp("e2e-instance")
    config = TestConfig(instance)
    config.ELEARN_CONTENT_DIR = PROJECT_DIR / "content"
    app = create_app(config)
    with app.app_context():
        upgrade()
    http = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=http.serve_forever, daemon=True)
    thread.start()
    app.config["SERVER_NAME"] = f"127.0.0.1:{http.server_port}"
    yield app, f"http://127.0.0.1:{http.server_port}"
    http.shutdown()


@pytest.fixture(scope="session")
def browser_instance(chromium_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium_path,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture(autouse=True)
def _fresh_rate_limits(server):
    """Every journey comes from 127.0.0.1: each starts with clean rate-limit counters."""
    from elearn.extensions import limiter

    with server[0].app_context():
        limiter.reset()


@pytest.fixture
def page(browser_instance, request):
    """A clean browser (no cookies) that screenshots every page on failure."""
    context = browser_instance.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    yield page
    failed = getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed
    if failed:
        OUTPUT.mkdir(parents=True, exist_ok=True)
        name = re.sub(r"[^\w-]+", "-", request.node.name)
        page.screenshot(path=str(OUTPUT / f"{name}.png"), full_page=True)
    context.close()
    unexpected = [e for e in errors if "favicon" not in e and "status of 404" not in e]
    assert not unexpected, f"browser console errors: {unexpected}"


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


class Accessibility:
    """axe-core on every page visited, at desktop and phone width; violations collected."""

    def __init__(self) -> None:
        self.source = AXE.read_text()
        self.checked: set[str] = set()
        self.violations: list[str] = []

    def check(self, page) -> None:
        key = re.sub(r"/[0-9a-f]{32}|/[A-Za-z0-9_-]{40,}", "/…", page.url.split("?")[0])
        if key in self.checked:
            return
        self.checked.add(key)
        original = page.viewport_size
        for label, width in WIDTHS.items():
            page.set_viewport_size({"width": width, "height": 900})
            # evaluate() runs outside the page's CSP, so the strict policy stays as it is.
            page.evaluate(self.source)
            found = page.evaluate(
                "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})"
                ".then(r => r.violations.map(v => v.id + ': ' + v.help + ' ('"
                " + v.nodes.length + ')'))",
                WCAG_TAGS,
            )
            self.violations += [f"{key} at {label} width: {v}" for v in found]
            self.checked_beyond_axe(page, key, label)
        page.set_viewport_size(original)

    def checked_beyond_axe(self, page, key: str, label: str) -> None:
        """What axe does not check: one h1, a skip link, nothing wider than the screen, no
        short status tag ("To do") broken over two lines."""
        facts = page.evaluate(
            """() => ({
                h1: document.querySelectorAll('h1').length,
                skip: !!document.querySelector('a.govuk-skip-link[href="#main-content"]'),
                overflow: document.documentElement.scrollWidth > window.innerWidth + 1,
                brokenTags: [...document.querySelectorAll('.govuk-tag')].filter(tag => {
                    const style = getComputedStyle(tag);
                    const inner = tag.clientHeight - parseFloat(style.paddingTop)
                        - parseFloat(style.paddingBottom);
                    return tag.textContent.trim().length <= 12
                        && inner > 1.5 * parseFloat(style.lineHeight);
                }).map(tag => tag.textContent.trim()),
            })"""
        )
        if facts["h1"] != 1:
            self.violations.append(f"{key} at {label} width: {facts['h1']} h1 elements")
        if not facts["skip"]:
            self.violations.append(f"{key} at {label} width: no skip link")
        if facts["overflow"]:
            self.violations.append(f"{key} at {label} width: the page scrolls sideways")
        if facts["brokenTags"]:
            self.violations.append(f"{key} at {label} width: tags broken {facts['brokenTags']}")


@pytest.fixture(scope="session")
def accessibility():
    return Accessibility()


@pytest.fixture(scope="session")
def right_answers() -> dict[str, set[str]]:
    """Each WRAP question's right options, from the course itself."""
    catalogue = load_catalogue(PROJECT_DIR / "content", lambda slug: f"/courses/{slug}/images")
    return {
        question.text: {option.text for option in question.options if option.right}
        for module in catalogue.get("wrap").quizzes
        for question in module.questions
    }


@pytest.fixture(scope="session", autouse=True)
def _no_leftover_output():
    if OUTPUT.exists():
        shutil.rmtree(OUTPUT)
    yield
