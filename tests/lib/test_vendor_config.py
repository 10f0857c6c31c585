"""lib.vendor_config: the settings checks the vendor adapters' check_config() share."""

from __future__ import annotations

from typing import Any

from idrenew.lib.vendor_config import Required, vendor_config_problems


def _problems() -> list[str]:
    return vendor_config_problems(
        secrets=("IDRENEW_TEST_VENDOR_ID", "IDRENEW_TEST_VENDOR_KEY"),
        required=(
            Required("IDRENEW_TEST_VENDOR_APP", "the app id"),
            Required("IDRENEW_TEST_VENDOR_SCENE", "the scene id", str.isdigit),
        ),
        endpoint="IDRENEW_TEST_VENDOR_ENDPOINT",
    )


def test_all_set(settings: Any) -> None:
    settings.IDRENEW_TEST_VENDOR_ID = "id"
    settings.IDRENEW_TEST_VENDOR_KEY = "key"
    settings.IDRENEW_TEST_VENDOR_APP = "1400"
    settings.IDRENEW_TEST_VENDOR_SCENE = "100"
    settings.IDRENEW_TEST_VENDOR_ENDPOINT = "https://vendor.example.com"
    assert _problems() == []
    settings.PRODUCTION = True
    assert _problems() == []


def test_each_problem_in_order(settings: Any) -> None:
    settings.IDRENEW_TEST_VENDOR_ID = ""
    settings.IDRENEW_TEST_VENDOR_KEY = ""
    settings.IDRENEW_TEST_VENDOR_APP = "  "
    settings.IDRENEW_TEST_VENDOR_SCENE = "abc"
    settings.IDRENEW_TEST_VENDOR_ENDPOINT = "vendor.example.com"
    assert _problems() == [
        "IDRENEW_TEST_VENDOR_ID (or _FILE) is not set",
        "IDRENEW_TEST_VENDOR_KEY (or _FILE) is not set",
        "IDRENEW_TEST_VENDOR_APP (the app id) is not set",
        "IDRENEW_TEST_VENDOR_SCENE (the scene id) is not set",
        "IDRENEW_TEST_VENDOR_ENDPOINT must be an https:// URL",
    ]


def test_plain_http_only_outside_production(settings: Any) -> None:
    settings.IDRENEW_TEST_VENDOR_ID = settings.IDRENEW_TEST_VENDOR_KEY = "x"
    settings.IDRENEW_TEST_VENDOR_APP = settings.IDRENEW_TEST_VENDOR_SCENE = "1"
    settings.IDRENEW_TEST_VENDOR_ENDPOINT = "http://127.0.0.1:8080"
    settings.PRODUCTION = False
    assert _problems() == []
    settings.PRODUCTION = True
    assert _problems() == ["IDRENEW_TEST_VENDOR_ENDPOINT must use https in production"]
