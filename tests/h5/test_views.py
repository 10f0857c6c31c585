from __future__ import annotations

import pytest
from django.test import Client

from idrenew.h5.views import BUNDLE_DIR

pytestmark = pytest.mark.django_db


@pytest.mark.skipif(not (BUNDLE_DIR / "index.html").exists(), reason="H5 bundle not built")
@pytest.mark.parametrize("path", ["/h5/", "/h5/login", "/h5/face"])
def test_h5_routes_serve_the_app(client: Client, path: str) -> None:
    resp = client.get(path)
    assert resp.status_code == 200
    assert b'<div id="app"' in resp.content
    assert "script-src 'self'" in resp["Content-Security-Policy"]
    assert "csrftoken" in resp.cookies


@pytest.mark.skipif(not (BUNDLE_DIR / "index.html").exists(), reason="H5 bundle not built")
def test_assets_referenced_by_the_app_are_served(client: Client) -> None:
    import re

    html = client.get("/h5/").content.decode()
    assets = re.findall(r'(?:src|href)="(/static/h5/[^"]+)"', html)
    assert assets
    for asset in assets:
        assert client.get(asset).status_code == 200, asset


def test_root_redirects_to_h5(client: Client) -> None:
    resp = client.get("/")
    assert resp.status_code == 302 and resp["Location"] == "/h5/"


def test_api_docs_and_schema(client: Client) -> None:
    assert client.get("/api/docs").status_code == 200
    schema = client.get("/api/openapi.json").json()
    paths = schema["paths"]
    for path in [
        "/api/auth/sms/send",
        "/api/auth/sms/verify",
        "/api/auth/captcha",
        "/api/auth/password",
        "/api/cases",
        "/api/meta",
    ]:
        assert path in paths, path


def test_healthz(client: Client) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
