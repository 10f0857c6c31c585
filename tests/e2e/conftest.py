"""Browser tests: Debian's chromium driven by Playwright against a live Django server."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

# Playwright's sync API keeps an event loop in this thread; Django's ORM calls made by the
# test itself (reading the SMS outbox, fixing a captcha) are still plain synchronous code.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
PHONE = {"width": 375, "height": 667}

CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def pw() -> Iterator[Any]:
    """One Playwright driver for the whole run (two in one thread would clash)."""
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian chromium not installed (tools/install-debian-packages.sh)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(pw: Any) -> Iterator[Any]:
    from idrenew.h5.views import BUNDLE_DIR

    if not (BUNDLE_DIR / "index.html").exists():
        pytest.skip("H5 bundle not built")
    browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


def phone_page(browser: Any, live_server: Any, *, timeout_ms: int = 15_000, **extra: Any) -> Any:
    """A fresh phone-sized browser context (375×667, zh-CN, Beijing time) and its page."""
    context = browser.new_context(
        viewport=PHONE,
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
        base_url=live_server.url,
        **extra,
    )
    page = context.new_page()
    page.set_default_timeout(timeout_ms)
    return page


@pytest.fixture
def phone(browser: Any, live_server: Any) -> Iterator[Any]:
    """A fresh phone-sized browser context and page, pointed at the live server."""
    page = phone_page(browser, live_server)
    yield page
    page.context.close()


@pytest.fixture
def shoot() -> Any:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(page: Any, name: str) -> Path:
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=False)
        return path

    return take
