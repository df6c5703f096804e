"""Webhook signatures: HMAC-SHA256 over `<timestamp>.<body>` with the subscription's secret, sent as
`Leisure-Signature: t=<unix seconds>,v1=<hex digest>`. The timestamp is signed too, so a receiver
can refuse a replayed request whose timestamp is old."""

import hashlib
import hmac
import secrets

SIGNATURE_HEADER = "Leisure-Signature"
SECRET_PREFIX = "whsec_"


def new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def signature(secret: str, timestamp: int, body: bytes) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def is_authentic(secret: str, header: str, body: bytes, now: int, tolerance_seconds: int = 300) -> bool:
    """What a receiver checks: the signature matches and its timestamp is recent."""
    parts = dict(part.split("=", 1) for part in header.split(",") if "=" in part)
    try:
        timestamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    if abs(now - timestamp) > tolerance_seconds:
        return False
    expected = signature(secret, timestamp, body).split("v1=", 1)[1]
    return hmac.compare_digest(expected, parts.get("v1", ""))
