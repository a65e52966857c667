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


class Pseudonyms:
    """Pseudonyms of one release; the key lives only as long as this object."""

    def __init__(self, key: bytes | None = None) -> None:
        self._keys = [
            hashlib.blake2b(
                key or secrets.token_bytes(32), digest_size=32, person=bytes([n])
            ).digest()
            for n in range(_ROUNDS)
        ]

    def _round(self, number: int, half: int) -> int:
        digest = hashlib.blake2b(
            half.to_bytes(4, "big"), key=self._keys[number], digest_size=4
        ).digest()
        return int.from_bytes(digest, "big")

    def permute(self, value: int) -> int:
        """The keyed permutation of a 64-bit value."""
        left, right = value >> _HALF, value & _MASK
        for number in range(_ROUNDS):
            left, right = right, left ^ self._round(number, right)
        return (left << _HALF) | right

    def of(self, resident_id: int, scope: int = 0) -> str:
        """The code of ``resident_id`` in ``scope``: 13 characters of Crockford base 32."""
        if not 0 <= resident_id < 1 << 40 or not 0 <= scope < 1 << 24:
            raise ValueError("resident id or scope out of range")
        value = self.permute((scope << 40) | resident_id)
        return "".join(_ALPHABET[(value >> shift) & 31] for shift in range(60, -1, -5))
