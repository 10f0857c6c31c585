"""What deploy/ ships stays true to the code: the environment template lists every setting the
code reads, nginx's body limits equal the app's, the allow-lists guard the right paths, the
systemd units are valid and run commands that exist with options they accept. Fast (no
server); the topology test (test_topology.py) runs the same files for real."""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.ops.stack import DEPLOY, NGINX_SITE, nginx_main_conf, render_nginx_site, self_signed_cert

SRC = Path(__file__).resolve().parents[2] / "src" / "idrenew"
ENV_TEMPLATE = DEPLOY / "idrenew.env.example"
UNITS = DEPLOY / "systemd"
# An environment read: envstr/envint/envbool/envfloat/envsecret("IDRENEW_…"), os.environ.get,
# os.environ[…], os.getenv.
ENV_READ = re.compile(
    r"""(?:env(?:str|int|bool|float|secret)\(\s*|environ(?:\.get)?[\(\[]\s*|getenv\(\s*)"""
    r"""["'](IDRENEW_[A-Z0-9_]+)["']"""
)


def settings_read() -> set[str]:
    names: set[str] = set()
    for path in SRC.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        names |= set(ENV_READ.findall(path.read_text(encoding="utf-8")))
    # settings.py passes some names through helpers: every quoted IDRENEW_ literal there.
    settings = (SRC / "settings.py").read_text(encoding="utf-8")
    names |= set(re.findall(r"""["'](IDRENEW_[A-Z0-9_]+)["']""", settings))
    return names


def template_values() -> dict[str, str]:
    values = {}
    for line in ENV_TEMPLATE.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, sep, value = line.partition("=")
        assert sep and re.fullmatch(r"IDRENEW_[A-Z0-9_]+", name), line
        values[name] = value
    return values


def test_env_template_lists_every_setting_the_code_reads() -> None:
    text = ENV_TEMPLATE.read_text(encoding="utf-8")
    names = settings_read()
    assert len(names) > 60  # the scan finds the settings
    missing = sorted(n for n in names if not re.search(rf"\b{n}(?:_FILE)?=", text))
    assert missing == [], f"add these to deploy/idrenew.env.example: {missing}"


def test_env_template_is_a_production_configuration() -> None:
    values = template_values()
    assert values["IDRENEW_ENV"] == "production"
    assert values["IDRENEW_BEHIND_TLS_PROXY"] == "1"
    for switch in ("IDRENEW_DEBUG", "IDRENEW_DEMO", "IDRENEW_IGNORE_BUSINESS_HOURS"):
        assert switch not in values, f"{switch}: production refuses it"
    assert "IDRENEW_FACE_FIXED_ACTIONS" not in values
    # Secrets come from files, never inline.
    for secret in ("SECRET_KEY", "ENCRYPTION_KEYS", "LOOKUP_HASH_KEY", "S3_SECRET_KEY"):
        assert f"IDRENEW_{secret}" not in values and f"IDRENEW_{secret}_FILE" in values
    assert values["IDRENEW_S3_BUCKET"] and values["IDRENEW_CELERY_BROKER_URL"]
    assert values["IDRENEW_DATABASE_URL"].startswith("postgres://")
    assert values["IDRENEW_REDIS_URL"].startswith("redis://")
    assert "console" not in values["IDRENEW_SMS_BACKEND"].lower()


def test_env_template_sms_templates_cover_every_purpose() -> None:
    from idrenew.verification.sms_templates import PURPOSES, parse_templates

    templates = parse_templates(template_values()["IDRENEW_SMS_TEMPLATES"])
    assert set(templates) == set(PURPOSES)


# --- nginx ---------------------------------------------------------------------------------------


def _size(text: str) -> int:
    number, unit = re.fullmatch(r"(\d+)([kKmM]?)", text).groups()  # type: ignore[union-attr]
    return int(number) * {"": 1, "k": 1024, "m": 1024 * 1024}[unit.lower()]


def locations(conf: str) -> dict[str, str]:
    """Top-level ``location`` blocks of the HTTPS server: {matcher: body}."""
    https = conf[conf.index("listen 443") :]
    out: dict[str, str] = {}
    for match in re.finditer(r"\n    location ([^{]+)\{", https):
        start = match.end()
        depth, i = 1, start
        while depth:
            depth += {"{": 1, "}": -1}.get(https[i], 0)
            i += 1
        out[match.group(1).strip()] = https[start : i - 1]
    return out


def test_nginx_body_limits_equal_the_apps() -> None:
    from django.conf import settings

    from idrenew.core.limits import body_limit

    conf = NGINX_SITE.read_text()
    blocks = locations(conf)
    server_level = re.search(r"\n    client_max_body_size (\w+);", conf[conf.index("listen 443") :])
    assert server_level and _size(server_level.group(1)) == body_limit("/api/cases/current")

    def limit_of(matcher: str) -> int:
        found = re.search(r"client_max_body_size (\w+);", blocks[matcher])
        assert found, matcher
        return _size(found.group(1))

    idcard = next(m for m in blocks if "idcard" in m)
    assert re.search(idcard.split(" ", 1)[1], "/api/cases/current/idcard/front")
    assert limit_of(idcard) == body_limit("/api/cases/current/idcard/front")
    assert limit_of("= /api/cases/current/face/clip") == body_limit("/api/cases/current/face/clip")
    assert limit_of("= /backoffice/verify") == body_limit("/backoffice/verify")
    assert limit_of("/admin/") == body_limit("/admin/") == settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    assert "IMAGE_TOO_LARGE" in conf and "FACE_CLIP_TOO_LARGE" in conf
    # gunicorn's timeout fits inside nginx's read timeout.
    from idrenew.core import gunicorn_conf

    read = re.search(r"proxy_read_timeout (\d+)s;", conf)
    assert read and int(read.group(1)) > gunicorn_conf.timeout


def test_nginx_allow_lists_guard_staff_and_monitoring_paths() -> None:
    blocks = locations(NGINX_SITE.read_text())
    staff = "include /etc/idrenew/nginx/staff-allow.conf;"
    monitor = "include /etc/idrenew/nginx/monitor-allow.conf;"
    for matcher in ("/admin/", "/backoffice/", "= /backoffice/verify", "/api/staff/"):
        assert staff in blocks[matcher], matcher
    for matcher in ("= /readyz", "= /metrics"):
        assert monitor in blocks[matcher], matcher
    for matcher in ("= /healthz", "/api/", "/h5/", "= /backoffice/ca.crl"):
        assert "allow" not in blocks[matcher] and "deny" not in blocks[matcher], matcher
    for name in ("staff-allow.conf", "monitor-allow.conf"):
        lines = (DEPLOY / "nginx" / name).read_text().splitlines()
        rules = [ln for ln in lines if ln and not ln.startswith("#")]
        assert rules[-1] == "deny all;", name


@pytest.mark.skipif(not shutil.which("nginx"), reason="nginx not installed (Debian: nginx)")
def test_nginx_accepts_the_site(tmp_path: Path) -> None:
    cert, key, _ = self_signed_cert(tmp_path / "tls", ["127.0.0.1"])
    for name in ("staff-allow.conf", "monitor-allow.conf"):
        shutil.copy(DEPLOY / "nginx" / name, tmp_path / name)
    (tmp_path / "static").mkdir()
    site = tmp_path / "site.conf"
    site.write_text(
        render_nginx_site(
            listen_https="127.0.0.1:1",
            listen_http="127.0.0.1:2",
            upstreams=["127.0.0.1:3"],
            cert=cert,
            key=key,
            cache_dir=tmp_path / "cache",
            staff_allow=tmp_path / "staff-allow.conf",
            monitor_allow=tmp_path / "monitor-allow.conf",
            log_dir=tmp_path,
        )
    )
    main = tmp_path / "nginx.conf"
    main.write_text(nginx_main_conf(tmp_path, site, tmp_path))
    check = subprocess.run(
        ["nginx", "-t", "-c", str(main), "-e", str(tmp_path / "error.log")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert check.returncode == 0, check.stderr


# --- systemd ---------------------------------------------------------------------------------------


def exec_start(unit: Path) -> list[str]:
    line = next(ln for ln in unit.read_text().splitlines() if ln.startswith("ExecStart="))
    return shlex.split(line.removeprefix("ExecStart="))


def test_units_cover_every_service_and_periodic_job() -> None:
    names = {p.name for p in UNITS.iterdir()}
    assert {"idrenew-web.service", "idrenew-worker@.service", "idrenew-dispatcher.service"} <= names
    jobs = {"housekeeping", "expire-cases", "purge-biometrics", "remind-expiring"}
    for job in jobs:
        assert f"idrenew-{job}.service" in names and f"idrenew-{job}.timer" in names, job
    for timer in (UNITS / n for n in names if n.endswith(".timer")):
        service = timer.name.replace(".timer", ".service")
        assert f"Unit={service}" in timer.read_text() and service in names
        assert "Type=oneshot" in (UNITS / service).read_text()
    assert exec_start(UNITS / "idrenew-web.service")[1:] == ["serve"]
    assert exec_start(UNITS / "idrenew-worker@.service")[1] == "worker"
    assert exec_start(UNITS / "idrenew-dispatcher.service")[1:4] == ["outbox", "dispatch", "--loop"]
    for unit in UNITS.glob("*.service"):
        text = unit.read_text()
        assert "EnvironmentFile=/etc/idrenew/idrenew.env" in text, unit.name
        assert "User=idrenew" in text and "ProtectSystem=strict" in text, unit.name


def test_unit_commands_exist_and_accept_their_options() -> None:
    from django.core.management import get_commands, load_command_class

    from idrenew.cli import ALIASES

    commands = get_commands()
    for unit in sorted(UNITS.glob("*.service")):
        argv = exec_start(unit)
        assert argv[0] == "/opt/idrenew/venv/bin/idrenew", unit.name
        name = ALIASES.get(argv[1], argv[1].replace("-", "_"))
        assert name in commands, f"{unit.name}: no command {argv[1]}"
        command = load_command_class(commands[name], name)
        command.create_parser("idrenew", name).parse_args(argv[2:])  # SystemExit on a bad option


@pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="systemd-analyze not installed")
def test_systemd_accepts_the_units(tmp_path: Path) -> None:
    idrenew = shutil.which("idrenew") or "/bin/true"
    for unit in UNITS.iterdir():
        text = unit.read_text().replace("/opt/idrenew/venv/bin/idrenew", idrenew)
        (tmp_path / unit.name).write_text(text)
    files = sorted(str(p) for p in tmp_path.iterdir())
    verify = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", *files],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
    )
    assert verify.returncode == 0 and not verify.stderr.strip(), verify.stderr
    for timer in UNITS.glob("*.timer"):
        calendar = re.search(r"^OnCalendar=(.+)$", timer.read_text(), re.M)
        assert calendar, timer.name
        check = subprocess.run(
            ["systemd-analyze", "calendar", calendar.group(1)],
            capture_output=True,
            text=True,
            check=False,
        )
        assert check.returncode == 0, (timer.name, check.stderr)
