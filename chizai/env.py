"""Typed helpers that read settings from the environment with safe local defaults."""

import os

from django.core.exceptions import ImproperlyConfigured


def env_str(name: str, default: str) -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if not value:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    try:
        return int(value.strip())
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}") from None


# Used when SECRET_KEY is unset and DEBUG is on; production refuses to start with it.
DEVELOPMENT_SECRET_KEY = "chizai-local-development-key-not-for-production"
MIN_SECRET_KEY_LENGTH = 50


def production_secret_key_error(secret_key: str) -> str:
    """Why `secret_key` cannot sign production sessions, or "" when it can."""
    if not secret_key:
        return "SECRET_KEY is not set. With DEBUG off chizai needs a long random SECRET_KEY (docs/deployment.md)."
    if secret_key == DEVELOPMENT_SECRET_KEY or secret_key.startswith("django-insecure"):
        return "SECRET_KEY is the development key. Generate a long random one for production (docs/deployment.md)."
    if len(secret_key) < MIN_SECRET_KEY_LENGTH:
        return f"SECRET_KEY is shorter than {MIN_SECRET_KEY_LENGTH} characters (docs/deployment.md)."
    return ""
