"""Seeded, restart-safe identifiers and per-resource random sources.

Every id is a hash of (seed, scope, namespace, n) where n comes from a counter kept in the
state store, so the same seed and the same sequence of requests give the same ids, and a
restart with a database file continues the sequence instead of repeating it. Resources of a
tenant take their ids from the generator scoped to (provider, tenant): its counters are its
own, so the seed being public does not let one tenant count another's payments.
"""

from __future__ import annotations

import hashlib
import random
import string
from typing import Callable

HEX = "0123456789abcdef"
DIGITS = string.digits
ALNUM = string.digits + string.ascii_letters
# Ids drawn from a 256-bit digest up to this many values are uniform to within 2**-64.
_DIGEST_SPAN = 2**192


class IdGenerator:
    """Deterministic id source; `next_number` is the store's counter for a namespace."""

    def __init__(self, seed: int, next_number: Callable[[str], int], scope: str = "") -> None:
        self.seed = seed
        self.scope = scope
        self._next_number = next_number

    def scoped(self, provider: str, tenant: str) -> "IdGenerator":
        """The generator for one tenant's resources: counters of its own, and ids that no
        other tenant's generator can produce."""
        return IdGenerator(self.seed, self._next_number, f"{provider}/{tenant}")

    def _namespace(self, name: str) -> str:
        return f"{self.scope}:{name}" if self.scope else name

    def number(self, namespace: str) -> int:
        """The next value of a plain counter (1, 2, 3, …) for integer ids."""
        return self._next_number(self._namespace(namespace))

    def new(self, prefix: str, length: int = 16, alphabet: str = HEX) -> str:
        """A fresh id such as `pay_3f9a1c2b7d4e8a10` (prefix + `length` characters)."""
        namespace = self._namespace(prefix)
        n = self._next_number(namespace)
        return prefix + self.token(f"{namespace}:{n}", length, alphabet)

    def token(self, name: str, length: int = 16, alphabet: str = HEX) -> str:
        """A stable pseudo-random string for `name` under this seed."""
        if alphabet == HEX and length <= 64:
            # The digest is already uniformly random hex: no need for a random source.
            return hashlib.blake2b(f"{self.seed}:{name}".encode(), digest_size=32).hexdigest()[
                :length
            ]
        base = len(alphabet)
        if base**length <= _DIGEST_SPAN:
            # The digest read as a number, written in the alphabet: four times cheaper
            # than a seeded random source.
            number = int.from_bytes(
                hashlib.blake2b(f"{self.seed}:{name}".encode(), digest_size=32).digest(), "big"
            )
            characters = []
            for _ in range(length):
                number, index = divmod(number, base)
                characters.append(alphabet[index])
            return "".join(characters)
        rng = self.rng(name)
        return "".join(rng.choice(alphabet) for _ in range(length))

    def rng(self, name: str) -> random.Random:
        """A random source fixed by (seed, name): the same name always draws the same values,
        so data derived from a resource id (a UTR, a payer name) is reproducible."""
        digest = hashlib.blake2b(f"{self.seed}:{name}".encode(), digest_size=8).digest()
        return random.Random(int.from_bytes(digest, "big"))
