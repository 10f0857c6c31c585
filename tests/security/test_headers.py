"""Issue #10, item 8: HSTS and the HTTPS redirect behind TLS, one CSP on every HTML page
(admin, API docs, back office, the H5 index also from /static/), no wildcard CORS, and
``Cache-Control: no-store`` on every API answer."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from tests.conftest import ApiClient
from tests.security.prod_env import SETUP, production_env, run_python

SRC = Path(__file__).resolve().parents[2] / "src" / "idrenew"


def _directives(policy: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for part in policy.split(";"):
        words = part.split()
        if words:
            out[words[0]] = words[1:]
    return out


def assert_strict_csp(response: Any) -> None:
    policy = response.get("Content-Security-Policy")
    assert policy, f"no CSP on {response.request['PATH_INFO']}"
    csp = _directives(policy)
    assert csp["script-src"] == ["'self'"]  # no inline or eval'd script, no other origin
    assert csp["default-src"] == ["'self'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["object-src"] == ["'none'"]
    assert csp["base-uri"] == ["'self'"]
    assert csp["form-action"] == ["'self'"]


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/admin/login/", "/api/docs", "/h5/", "/h5/status"])
def test_html_pages_carry_the_csp(client: Client, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert_strict_csp(response)


@pytest.mark.django_db
def test_error_pages_carry_the_csp(client: Client) -> None:
    assert_strict_csp(client.get("/no-such-page/"))


@pytest.mark.django_db
def test_h5_index_from_static_has_the_h5_policy_and_no_cors(client: Client) -> None:
    page = client.get("/h5/")
    static = client.get("/static/h5/index.html")
    assert static.status_code == 200
    assert_strict_csp(static)
    assert static["Content-Security-Policy"] == page["Content-Security-Policy"]
    assert "Access-Control-Allow-Origin" not in static


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path", ["/static/ninja/swagger-ui.css", "/static/admin/css/base.css", "/static/h5/index.html"]
)
def test_static_files_allow_no_other_origin(client: Client, path: str) -> None:
    response = client.get(path, HTTP_ORIGIN="https://evil.example")
    assert response.status_code == 200
    assert "Access-Control-Allow-Origin" not in response


def test_no_code_sets_a_cors_header() -> None:
    for path in SRC.rglob("*.py"):
        text = path.read_text("utf-8").lower()
        for quote in "\"'":
            assert f"{quote}access-control-allow-origin{quote}" not in text, path


@pytest.mark.django_db
def test_api_docs_run_without_inline_script(client: Client) -> None:
    html = client.get("/api/docs").content.decode()
    for tag in re.findall(r"<script\b[^>]*>", html):
        assert "src=" in tag or 'type="application/json"' in tag, tag
    assert not re.search(r"\son[a-z]+\s*=", html)


def test_templates_have_no_inline_script_or_event_handlers() -> None:
    templates = [p for p in SRC.rglob("*.html") if "static" not in p.parts]
    assert templates
    for path in templates:
        html = path.read_text("utf-8")
        for tag in re.findall(r"<script\b[^>]*>", html):
            assert "src=" in tag or 'type="application/json"' in tag, f"{path}: {tag}"
        assert not re.search(r"\son[a-z]+\s*=", html), path
        assert "javascript:" not in html, path


@pytest.mark.django_db
def test_every_api_answer_is_no_store(api: ApiClient, signed_in: ApiClient) -> None:
    for path in ["/api/meta", "/api/cases/latest", "/api/auth/captcha", "/api/openapi.json"]:
        response = signed_in.get(path)
        assert "no-store" in response.get("Cache-Control", ""), path
    anonymous = Client().get("/api/cases/latest")
    assert anonymous.status_code in {401, 403}
    assert "no-store" in anonymous["Cache-Control"]


_PROBE = (
    SETUP
    + """
import json
from django.test import Client
c = Client()
plain = c.get("/h5/")
health = c.get("/healthz")
tls = c.get("/h5/", HTTP_X_FORWARDED_PROTO="https")
print(json.dumps({
    "plain": [plain.status_code, plain.get("Location")],
    "health": health.status_code,
    "hsts": tls.get("Strict-Transport-Security"),
    "csp": tls.get("Content-Security-Policy"),
}))
"""
)


def test_behind_tls_http_redirects_and_https_gets_hsts(tmp_path: Path) -> None:
    result = run_python(production_env(tmp_path), _PROBE)
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen["plain"] == [301, "https://testserver/h5/"]
    assert seen["health"] == 200  # load-balancer probes over plain HTTP
    assert seen["hsts"] == "max-age=31536000; includeSubDomains"
    assert seen["csp"]


def test_hsts_is_configurable(tmp_path: Path) -> None:
    env = production_env(tmp_path, IDRENEW_HSTS_SECONDS="600", IDRENEW_HSTS_INCLUDE_SUBDOMAINS="0")
    result = run_python(env, _PROBE)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1])["hsts"] == "max-age=600"
