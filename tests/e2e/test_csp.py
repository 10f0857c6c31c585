"""Issue #10, item 8 in a real browser: the pages work under their Content-Security-Policy
(Swagger UI at /api/docs, the admin's sign-in page, the H5 app) and the browser reports no
violation of it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def desk(browser: Any, live_server: Any) -> Iterator[tuple[Any, list[str]]]:
    """A desktop page and the console errors and page errors it logs."""
    context = browser.new_context(base_url=live_server.url, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(15_000)
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield page, errors
    context.close()


def _violations(errors: list[str]) -> list[str]:
    return [e for e in errors if "Content Security Policy" in e or "Refused to" in e]


def test_api_docs_render_under_the_csp(desk: tuple[Any, list[str]]) -> None:
    page, errors = desk
    response = page.goto("/api/docs")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page.locator(".swagger-ui .opblock").first.wait_for()  # the operations were rendered
    page.locator(".swagger-ui .opblock-summary").first.click()  # and respond to a click
    page.locator(".swagger-ui .opblock-body").first.wait_for()
    assert _violations(errors) == [], errors


def test_admin_login_renders_under_the_csp(desk: tuple[Any, list[str]]) -> None:
    page, errors = desk
    response = page.goto("/admin/login/")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page.locator("input[name=username]").wait_for()
    page.locator("input[type=submit], button[type=submit]").first.wait_for()
    assert _violations(errors) == [], errors


def test_h5_app_starts_under_the_csp(desk: tuple[Any, list[str]]) -> None:
    page, errors = desk
    page.goto("/h5/")
    page.get_by_test_id("service-zjgx").wait_for()
    assert _violations(errors) == [], errors
