"""Signed aggregate returns: HMAC-SHA256 with the shared secret key, or Ed25519 when `cryptography` is present.

An area signs its return; the national body verifies it before combining. Ed25519 is preferred (the
national body holds only public keys); HMAC needs the secret shared between area and nation.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from pathlib import Path
from typing import Any

from reachable.reports.schemas import ReturnOut

ENVELOPE = "reachable.signed-return/1"


def canonical(body: dict[str, Any]) -> bytes:
    """The exact bytes that are signed: sorted keys, no whitespace, UTF-8."""
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def ed25519_available() -> bool:
    """Whether the optional `cryptography` package is installed."""
    try:
        import cryptography  # type: ignore[import-not-found, unused-ignore]  # noqa: F401
    except ImportError:
        return False
    return True


def sign(ret: ReturnOut, *, secret_key: str, private_key: Path | None = None) -> dict[str, Any]:
    """An envelope holding the return and its signature."""
    body = json.loads(ret.model_dump_json())
    data = canonical(body)
    if private_key is not None:
        if not ed25519_available():
            raise RuntimeError("Ed25519 signing needs the `cryptography` package; omit --key to sign with HMAC")
        from cryptography.hazmat.primitives import serialization  # type: ignore[import-not-found, unused-ignore]
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey  # type: ignore[import-not-found, unused-ignore]

        key = serialization.load_pem_private_key(private_key.read_bytes(), password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise ValueError(f"{private_key}: not an Ed25519 private key")
        signature = {"alg": "Ed25519", "value": base64.b64encode(key.sign(data)).decode()}
    else:
        digest = hmac.new(secret_key.encode(), data, hashlib.sha256).digest()
        signature = {"alg": "HMAC-SHA256", "value": base64.b64encode(digest).decode()}
    return {"format": ENVELOPE, "area": ret.area, "return": body, "signature": signature}


def verify(envelope: dict[str, Any], *, secret_key: str, public_keys: dict[str, Path] | None = None) -> str | None:
    """None when the envelope's signature is valid, else the reason it is not."""
    if envelope.get("format") != ENVELOPE or "return" not in envelope or "signature" not in envelope:
        return "not a signed Reachable return"
    data = canonical(envelope["return"])
    signature = envelope["signature"]
    try:
        value = base64.b64decode(signature.get("value", ""), validate=True)
    except ValueError:
        return "signature is not base64"
    if signature.get("alg") == "HMAC-SHA256":
        expected = hmac.new(secret_key.encode(), data, hashlib.sha256).digest()
        if hmac.compare_digest(expected, value):
            return None
        return "HMAC signature does not match (altered, or another key)"
    if signature.get("alg") == "Ed25519":
        area = str(envelope["return"].get("area"))
        key_path = (public_keys or {}).get(area)
        if key_path is None:
            return f"no public key for area {area}"
        if not ed25519_available():
            return "Ed25519 verification needs the `cryptography` package"
        from cryptography.exceptions import InvalidSignature  # type: ignore[import-not-found, unused-ignore]
        from cryptography.hazmat.primitives import serialization  # type: ignore[import-not-found, unused-ignore]
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey  # type: ignore[import-not-found, unused-ignore]

        key = serialization.load_pem_public_key(key_path.read_bytes())
        if not isinstance(key, Ed25519PublicKey):
            return f"{key_path}: not an Ed25519 public key"
        try:
            key.verify(value, data)
        except InvalidSignature:
            return "Ed25519 signature does not match"
        return None
    return f"unknown signature algorithm {signature.get('alg')!r}"
