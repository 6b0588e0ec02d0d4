"""Receipts and tokens: enough randomness, forgiving input, only hashes stored."""

from __future__ import annotations

import math

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
