"""Invitation tokens: random, shown once in the e-mail, stored only as their SHA-256."""

from __future__ import annotations

import hashlib
import secrets

TOKEN_BYTES = 32  # 256 bits: guessing one is out of reach, so a plain hash (no salt, no slow KDF) suffices


def new_token() -> tuple[str, str]:
    """A fresh token for a link and the hash to store."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    return token, hash_token(token)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()
