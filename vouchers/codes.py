"""Voucher code values (V-3): 32 characters from an unambiguous 32-symbol upper-case alphabet,
taken from 20 bytes of the OS's cryptographic random source: 160 bits of entropy per code.

Encoding random bytes (base32 with our alphabet) is what makes generating a million codes cheap;
drawing each character with secrets.choice would cost ~50 s per million."""

import base64
import secrets

ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no I, O, 0, 1
ENTROPY_BITS = 160
_TABLE = bytes.maketrans(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", ALPHABET.encode())


def new_code() -> str:
    return base64.b32encode(secrets.token_bytes(ENTROPY_BITS // 8)).translate(_TABLE).decode()


def new_codes(count: int) -> list[str]:
    raw = secrets.token_bytes(count * ENTROPY_BITS // 8)
    encoded = base64.b32encode(raw).translate(_TABLE).decode()
    return [encoded[i:i + 32] for i in range(0, len(encoded), 32)]


def normalise(text: str) -> str:
    """What a person typed or pasted: spaces and dashes dropped, upper case."""
    return "".join(ch for ch in text.upper() if ch.isalnum())
