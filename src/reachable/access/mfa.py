"""Time-based one-time passwords (TOTP, RFC 6238) for every user; each code is accepted once."""

from __future__ import annotations

import time

import pyotp

from reachable.common.text import is_digits

STEP_SECONDS = 30
DRIFT_STEPS = 1  # accept one step either side for clock drift
ISSUER = "Reachable"


def new_secret() -> str:
    """A fresh random base32 TOTP secret."""
    return str(pyotp.random_base32())


def provisioning_uri(secret: str, *, username: str) -> str:
    """The otpauth:// URI an authenticator app scans as a QR code."""
    return str(pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=ISSUER))


def current_code(secret: str, *, at: float | None = None) -> str:
    """The code an authenticator shows now (tests and the demo use it)."""
    return str(pyotp.TOTP(secret).at(time.time() if at is None else at))


def matching_step(secret: str, code: str, *, last_step: int | None, at: float | None = None) -> int | None:
    """The time step a code belongs to if it is valid and newer than the last accepted one, else None."""
    code = code.replace(" ", "").strip()
    if not is_digits(code) or len(code) != 6:
        return None
    totp = pyotp.TOTP(secret)
    now_step = int((time.time() if at is None else at) // STEP_SECONDS)
    for step in range(now_step - DRIFT_STEPS, now_step + DRIFT_STEPS + 1):
        if last_step is not None and step <= last_step:
            continue  # replay of a used (or older) code
        if pyotp.utils.strings_equal(str(totp.at(step * STEP_SECONDS)), code):
            return step
    return None
