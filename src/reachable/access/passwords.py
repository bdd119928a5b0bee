"""Password hashing (Argon2id) and the password policy (ASVS 6.2: length, common passwords, no username)."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_LENGTH = 12
MAX_LENGTH = 128
# The commonest passwords that pass the length rule; a deployment can extend this list.
COMMON = frozenset({
    "password1234", "123456789012", "qwertyuiop12", "iloveyou1234", "welcome12345", "password123!",
    "letmein12345", "administrator", "changeme1234", "reachable123", "passw0rd1234", "1234567890ab",
    "qwerty123456", "football1234", "trustno11234", "summer2024!!", "winter2024!!", "police123456",
})
_hasher = PasswordHasher()  # argon2-cffi defaults: Argon2id, RFC 9106 low-memory profile


class PasswordRejected(ValueError):
    """A new password breaks the policy; the message says which rule."""


def check_policy(password: str, *, username: str = "") -> None:
    """Raise PasswordRejected unless the password is long enough, not common and not the username."""
    if len(password) < MIN_LENGTH:
        raise PasswordRejected(f"password must be at least {MIN_LENGTH} characters")
    if len(password) > MAX_LENGTH:
        raise PasswordRejected(f"password must be at most {MAX_LENGTH} characters")
    if password.lower() in COMMON:
        raise PasswordRejected("password is too common")
    if username and username.lower() in password.lower():
        raise PasswordRejected("password must not contain the username")


def hash_password(password: str) -> str:
    """The Argon2id hash to store; the password itself is never stored."""
    return _hasher.hash(password)


def verify_password(stored: str | None, password: str) -> bool:
    """Whether the password matches the stored hash; a missing hash costs the same time as a real check."""
    if not stored:
        _hasher.hash(password)  # equal effort, so timing does not reveal which accounts exist
        return False
    try:
        return _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    """Whether a stored hash uses weaker parameters than today's and should be replaced at sign-in."""
    return _hasher.check_needs_rehash(stored)
