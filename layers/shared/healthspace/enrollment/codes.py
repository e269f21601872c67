"""One-time enrollment codes: generated with the system's CSPRNG, stored only as a keyed digest,
compared in constant time, never logged."""

from __future__ import annotations

import hashlib
import hmac
import secrets

# Crockford's base32: no I, L, O or U, so a code read aloud or typed from a letter is unambiguous.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 12  # 60 bits of entropy
_READ_AS = str.maketrans({"O": "0", "I": "1", "L": "1"})


def new_code() -> str:
    """A fresh code, grouped for reading: XXXX-XXXX-XXXX."""
    raw = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
    return "-".join(raw[i : i + 4] for i in range(0, CODE_LENGTH, 4))


def normalize_code(code: str) -> str | None:
    """The code as stored (upper case, no separators, look-alike letters mapped), or None if it
    cannot be a code."""
    if not isinstance(code, str) or len(code) > 40:
        return None
    cleaned = code.upper().replace("-", "").replace(" ", "").translate(_READ_AS)
    if len(cleaned) != CODE_LENGTH or any(c not in ALPHABET for c in cleaned):
        return None
    return cleaned


def _mac(pepper: bytes, message: str) -> str:
    return hmac.new(pepper, message.encode(), hashlib.sha256).hexdigest()


def code_digest(pepper: bytes, ins: str, code: str) -> str:
    """The keyed digest stored instead of the code; bound to the INS so digests cannot be moved."""
    normalized = normalize_code(code)
    if normalized is None:
        raise ValueError("not a code")
    return _mac(pepper, f"code:{ins}:{normalized}")


def code_matches(pepper: bytes, ins: str, code: str, digest: str | None) -> bool:
    """Constant-time check; an unknown person (digest None) costs the same work as a known one."""
    normalized = normalize_code(code) or "0" * CODE_LENGTH
    candidate = _mac(pepper, f"code:{ins}:{normalized}")
    return hmac.compare_digest(candidate, digest or "0" * len(candidate)) and digest is not None


def pseudonym(pepper: bytes, ins: str) -> str:
    """A stable pseudonym of an INS, for keys and logs that must not carry the INS itself."""
    return _mac(pepper, f"ins:{ins}")[:32]
