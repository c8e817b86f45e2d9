"""Production is safe by default: `chizai check --deploy` is clean with only the required variables set,
the development key is refused, and each security setting can still be changed from the environment.

Each case runs the settings in a subprocess: they are read once, at start-up, from the environment.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

from django.conf import settings

from chizai.env import DEVELOPMENT_SECRET_KEY

DEVELOPMENT_ONLY = ("DEBUG", "DATABASE_URL", "SECRET_KEY", "MAIL_BACKEND", "SECURE_SSL_REDIRECT", "LOG_FORMAT")


def production_environment(var_dir: Path, **overrides: str) -> dict[str, str]:
    environment = {name: value for name, value in os.environ.items() if name not in DEVELOPMENT_ONLY}
    environment |= {
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "chizai.example.lg.jp",
        "CHIZAI_VAR_DIR": str(var_dir),
        "DJANGO_SETTINGS_MODULE": "chizai.settings",
    }
    return environment | overrides


def run(environment: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args], env=environment, cwd=settings.PROJECT_DIR, capture_output=True, text=True
    )


def check_deploy(environment: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return run(environment, "-m", "chizai.manage", "check", "--deploy", "--fail-level", "WARNING")


def production_settings(environment: dict[str, str], *names: str) -> dict[str, object]:
    code = f"from django.conf import settings as s; print(json.dumps({{n: getattr(s, n) for n in {names!r}}}))"
    result = run(environment, "-c", f"import django, json; django.setup(); {code}")
    assert result.returncode == 0, result.stderr
    return dict(json.loads(result.stdout))


def test_it_reports_nothing_on_check_deploy_with_production_variables(tmp_path):
    result = check_deploy(production_environment(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_it_refuses_to_start_in_production_without_a_secret_key(tmp_path):
    environment = production_environment(tmp_path)
    del environment["SECRET_KEY"]
    result = check_deploy(environment)
    assert result.returncode != 0
    assert "ImproperlyConfigured: SECRET_KEY is not set" in result.stderr


def test_it_refuses_to_start_in_production_with_the_development_key(tmp_path):
    result = check_deploy(production_environment(tmp_path, SECRET_KEY=DEVELOPMENT_SECRET_KEY))
    assert result.returncode != 0
    assert "ImproperlyConfigured: SECRET_KEY is the development key" in result.stderr


def test_it_takes_the_secure_values_when_debug_is_off(tmp_path):
    values = production_settings(
        production_environment(tmp_path),
        "SECURE_SSL_REDIRECT",
        "SECURE_HSTS_SECONDS",
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "SESSION_COOKIE_AGE",
    )
    assert values == {
        "SECURE_SSL_REDIRECT": True,
        "SECURE_HSTS_SECONDS": 31_536_000,
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "SESSION_COOKIE_AGE": 30 * 60,
    }


def test_it_trusts_the_proxys_https_header_only_when_told_to(tmp_path):
    assert production_settings(production_environment(tmp_path), "SECURE_PROXY_SSL_HEADER") == {
        "SECURE_PROXY_SSL_HEADER": None
    }
    told = production_environment(tmp_path, SECURE_PROXY_SSL_HEADER="1")
    assert production_settings(told, "SECURE_PROXY_SSL_HEADER") == {
        "SECURE_PROXY_SSL_HEADER": ["HTTP_X_FORWARDED_PROTO", "https"]
    }


def test_it_lets_the_environment_turn_a_setting_off_and_check_deploy_then_says_so(tmp_path):
    result = check_deploy(production_environment(tmp_path, SECURE_SSL_REDIRECT="0", SECURE_HSTS_SECONDS="0"))
    assert result.returncode != 0
    assert "security.W008" in result.stderr
    assert "security.W004" in result.stderr
