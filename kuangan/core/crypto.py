"""Cryptography behind one small interface, so that SM3 (GB/T 32905) can replace SHA-256 where
national cryptography is required, and a certified module can replace the software one."""

from __future__ import annotations

from cryptography.hazmat.primitives import hashes, hmac
from django.conf import settings
from django.contrib.auth.hashers import PBKDF2PasswordHasher

_ALGORITHMS = {"sha256": hashes.SHA256, "sm3": hashes.SM3}


def digest(data: bytes, algorithm: str | None = None) -> str:
    """Hex digest of ``data`` with the configured algorithm (``AUDIT_HASH_ALGORITHM``)."""
    name = (algorithm or settings.AUDIT_HASH_ALGORITHM).lower()
    try:
        algo = _ALGORITHMS[name]()
    except KeyError as exc:
        raise ValueError(f"unknown hash algorithm {name!r}") from exc
    h = hashes.Hash(algo)
    h.update(data)
    return h.finalize().hex()


def mac(key: bytes, data: bytes, algorithm: str | None = None) -> str:
    """Hex HMAC of ``data`` under ``key`` (HMAC-SHA256, or HMAC-SM3 with
    ``AUDIT_HASH_ALGORITHM=sm3``): what only the key's holder can compute."""
    name = (algorithm or settings.AUDIT_HASH_ALGORITHM).lower()
    try:
        algo = _ALGORITHMS[name]()
    except KeyError as exc:
        raise ValueError(f"unknown hash algorithm {name!r}") from exc
    h = hmac.HMAC(key, algo)
    h.update(data)
    return h.finalize().hex()


class _SM3:
    """hashlib-style wrapper around cryptography's SM3, for Django's PBKDF2 hasher."""

    digest_size = 32
    block_size = 64
    name = "sm3"

    def __init__(self, data: bytes = b""):
        self._h = hashes.Hash(hashes.SM3())
        if data:
            self._h.update(data)

    def update(self, data: bytes) -> None:
        self._h.update(data)

    def copy(self):
        clone = _SM3.__new__(_SM3)
        clone._h = self._h.copy()
        return clone

    def digest(self) -> bytes:
        return self._h.copy().finalize()


class PBKDF2SM3PasswordHasher(PBKDF2PasswordHasher):
    """PBKDF2 with HMAC-SM3, for deployments assessed under 密评 (GB/T 39786)."""

    algorithm = "pbkdf2_sm3"
    digest = _SM3
