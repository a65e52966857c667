"""Release pseudonyms: a respondent's code in one export, drawn afresh for every export.

A pseudonym that stayed the same across exports (or across rounds of one export) would let
anyone join rows: a respondent seen with their area in one round, where the area is published,
gives that area away in another round where it is hidden. So the code is derived from the
resident's internal id with a secret key drawn at random for each export and then forgotten:
two exports share no pseudonym and cannot be joined, and nobody (the bot included) can map a
code back to a resident afterwards.

The derivation is a keyed pseudorandom **permutation** (a four-round Feistel network over 64
bits whose round function is keyed BLAKE2b), so two different (scope, resident) pairs can never
get the same code, with no table of codes held in memory. ``scope`` lets one export link a
respondent's rows across rounds (scope 0) or give them a separate code in every round (the
round's id), see :mod:`surveys.export.raw`.
"""

from __future__ import annotations

import hashlib
import secrets

__all__ = ["Pseudonyms"]

_HALF = 32
_MASK = (1 << _HALF) - 1
_ROUNDS = 4
_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"  # Crockford base 32: no i, l, o, u
# Every 10-bit value as its two characters: a code is one character and six pairs.
_PAIRS = [high + low for high in _ALPHABET for low in _ALPHABET]


class Pseudonyms:
    """Pseudonyms of one release; the key lives only as long as this object."""

    def __init__(self, key: bytes | None = None) -> None:
        secret = key or secrets.token_bytes(32)
        # One keyed hasher per Feistel round; each use copies it (cheaper than keying anew).
        self._rounds = [
            hashlib.blake2b(
                key=hashlib.blake2b(secret, digest_size=32, person=bytes([n])).digest(),
                digest_size=4,
            )
            for n in range(_ROUNDS)
        ]

    def permute(self, value: int) -> int:
        """The keyed permutation of a 64-bit value."""
        left, right = value >> _HALF, value & _MASK
        for keyed in self._rounds:
            step = keyed.copy()
            step.update(right.to_bytes(4, "big"))
            left, right = right, left ^ int.from_bytes(step.digest(), "big")
        return (left << _HALF) | right

    def of(self, resident_id: int, scope: int = 0) -> str:
        """The code of ``resident_id`` in ``scope``: 13 characters of Crockford base 32."""
        if not 0 <= resident_id < 1 << 40 or not 0 <= scope < 1 << 24:
            raise ValueError("resident id or scope out of range")
        value = self.permute((scope << 40) | resident_id)
        pairs = _PAIRS
        return (
            f"{_ALPHABET[value >> 60]}{pairs[(value >> 50) & 1023]}{pairs[(value >> 40) & 1023]}"
            f"{pairs[(value >> 30) & 1023]}{pairs[(value >> 20) & 1023]}"
            f"{pairs[(value >> 10) & 1023]}{pairs[value & 1023]}"
        )
