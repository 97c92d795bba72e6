"""TC3-HMAC-SHA256, step by step as Tencent Cloud's "Signature v3" page describes it.

The fake API verifies requests with these functions; the SDK signs them with its own
code, so a request only passes when both read the documentation the same way. The
steps: (1) the canonical request, (2) the string to sign, (3) the derived keys
SecretDate → SecretService → SecretSigning and the signature, (4) the Authorization
header. Header names and values are lower-cased and trimmed in the canonical headers,
which are sorted by name, as the page says.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

ALGORITHM = "TC3-HMAC-SHA256"
TERMINATOR = "tc3_request"


def sha256_hex(data: bytes) -> str:
    """Lowercase(HexEncode(SHA256(data)))."""
    return hashlib.sha256(data).hexdigest()


def utc_date(timestamp: int) -> str:
    """The credential scope's date: the UTC date of X-TC-Timestamp (never local time)."""
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d")


def canonical_request(
    method: str, uri: str, query: str, headers: Mapping[str, str], signed_headers: Sequence[str], payload: bytes
) -> str:
    """Step 1. ``headers`` maps lower-case names to values; ``signed_headers`` are lower-case names."""
    names = sorted(signed_headers)
    canonical_headers = "".join(f"{name}:{headers[name].strip().lower()}\n" for name in names)
    return "\n".join([method, uri, query, canonical_headers, ";".join(names), sha256_hex(payload)])


def credential_scope(date: str, service: str) -> str:
    """``Date/service/tc3_request``."""
    return f"{date}/{service}/{TERMINATOR}"


def string_to_sign(timestamp: int, scope: str, canonical: str) -> str:
    """Step 2."""
    return "\n".join([ALGORITHM, str(timestamp), scope, sha256_hex(canonical.encode("utf-8"))])


def _hmac(key: bytes, message: str) -> bytes:
    return hmac.new(key, message.encode("utf-8"), hashlib.sha256).digest()


def secret_signing(secret_key: str, date: str, service: str) -> bytes:
    """Step 3.1: SecretDate = HMAC("TC3" + key, Date), SecretService, SecretSigning."""
    secret_date = _hmac(("TC3" + secret_key).encode("utf-8"), date)
    secret_service = _hmac(secret_date, service)
    return _hmac(secret_service, TERMINATOR)


def signature(signing_key: bytes, to_sign: str) -> str:
    """Step 3.2: HexEncode(HMAC_SHA256(SecretSigning, StringToSign))."""
    return hmac.new(signing_key, to_sign.encode("utf-8"), hashlib.sha256).hexdigest()


def authorization(secret_id: str, scope: str, signed_headers: Sequence[str], sig: str) -> str:
    """Step 4."""
    return (
        f"{ALGORITHM} Credential={secret_id}/{scope}, SignedHeaders={';'.join(sorted(signed_headers))}, Signature={sig}"
    )


@dataclass(frozen=True)
class ParsedAuthorization:
    """The parts of an Authorization header."""

    secret_id: str
    date: str
    service: str
    signed_headers: tuple[str, ...]
    signature: str


def parse_authorization(value: str) -> ParsedAuthorization:
    """Split an Authorization header.

    Raises:
        ValueError: not a TC3-HMAC-SHA256 header of the documented form.
    """
    algorithm, _, rest = value.partition(" ")
    if algorithm != ALGORITHM:
        raise ValueError(f"algorithm {algorithm!r} is not {ALGORITHM}")
    parts = dict(p.strip().split("=", 1) for p in rest.split(",") if "=" in p)
    credential = parts.get("Credential", "").split("/")
    if (
        len(credential) != 4
        or credential[3] != TERMINATOR
        or not parts.get("SignedHeaders")
        or not parts.get("Signature")
    ):
        raise ValueError("Authorization needs Credential=id/date/service/tc3_request, SignedHeaders and Signature")
    return ParsedAuthorization(
        credential[0], credential[1], credential[2], tuple(parts["SignedHeaders"].split(";")), parts["Signature"]
    )
