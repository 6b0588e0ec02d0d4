"""Receipts and tokens: enough randomness, forgiving input, only hashes stored."""

from __future__ import annotations

import math
import stat
from pathlib import Path

from tipline import credentials


def test_receipt_has_at_least_80_bits_and_reads_well() -> None:
    """A receipt is 24 symbols of a 32-letter alphabet (120 bits) in groups of four."""
    receipt = credentials.new_receipt()
    groups = receipt.split("-")
    assert [len(g) for g in groups] == [4] * 6
    assert 24 * math.log2(32) >= 80
    assert len({credentials.new_receipt() for _ in range(1000)}) == 1000


def test_receipt_hash_ignores_case_dashes_and_lookalikes() -> None:
    """The same receipt typed in lower case, with spaces, or O for 0, hashes the same."""
    receipt = "AB0C-1DEF-GH23-JK45-MN67-PQ89"
    typed = "ab0c 1def gh23 jk45 mn67 pq89".replace("0", "o").replace("1", "l")
    assert credentials.receipt_hash(typed) == credentials.receipt_hash(receipt)
    assert credentials.receipt_hash(receipt) != credentials.receipt_hash("AB0C-1DEF")
    assert receipt not in credentials.receipt_hash(receipt)


def test_token_hash_is_sha256_hex() -> None:
    """Token hashes are the hex SHA-256 the config file documents."""
    assert credentials.token_hash("abc") == (
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    )
    assert len(credentials.new_token()) >= 32


def test_keyed_hash_is_hmac_sha256() -> None:
    """keyed_hash is the hex HMAC-SHA256 of RFC 4231's second test case."""
    assert credentials.keyed_hash(b"Jefe", "what do ya want for nothing?") == (
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
    )


def test_demo_key_is_made_once_private_and_kept(tmp_path: Path) -> None:
    """The demo key file is made 0600 in a 0700 folder, and read back the same after."""
    folder = tmp_path / "data"
    first = credentials.demo_key(folder)
    assert len(first) >= credentials.MIN_KEY_CHARS
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert stat.S_IMODE((folder / credentials.KEY_FILE).stat().st_mode) == 0o600
    assert credentials.demo_key(folder) == first
    assert [p.name for p in folder.iterdir()] == [credentials.KEY_FILE]
