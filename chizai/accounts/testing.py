"""A scriptable second factor for tests and smoke journeys (make prod-smoke): enrol a user in TOTP with a known
secret, then compute the current code from that secret, as an authenticator app would (RFC 6238: SHA-1, six
digits, 30-second steps, allauth's defaults).

    secret = enrol_totp(user)             # or enrol_totp(user, "JBSWY3DPEHPK3PXP")
    code = totp_code(secret)              # POST it as "code" to /accounts/2fa/authenticate/

`totp_code` needs nothing but the standard library, so a client script outside Django can compute it too.
A code is accepted once (allauth remembers used codes in the cache for the tolerance window); a second login
within the same 30 seconds should wait for the next step (`totp_code(secret, at=time.time() + 30)`).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import struct
import time
from typing import Any

PERIOD = 30
DIGITS = 6


def totp_code(secret: str, at: float | None = None) -> str:
    """The six-digit code for `secret` (base32, as allauth stores it) at time `at` (now by default)."""
    counter = int(time.time() if at is None else at) // PERIOD
    key = base64.b32decode(secret.encode("ascii"), casefold=True)
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 10**DIGITS:0{DIGITS}d}"


def enrol_totp(user: Any, secret: str | None = None) -> str:
    """Give `user` a TOTP authenticator with `secret` (a fresh random one by default); returns the secret.
    Test and smoke-run setup only: a person enrols through 二要素認証 (the QR code page)."""
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import TOTP

    secret = secret or base64.b32encode(secrets.token_bytes(20)).decode("ascii")
    Authenticator.objects.filter(user_id=user.pk, type=Authenticator.Type.TOTP).delete()
    TOTP.activate(user, secret)
    return secret
