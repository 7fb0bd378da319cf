"""Keyed pseudonymisation of personnummer (spec §5).

HMAC-SHA-256 runs inside DuckDB (``sha256`` over BLOBs), once per distinct
number, so a region's millions of rows never pass through Python. The key is
bound as a query parameter: it never appears in SQL text, logs or metadata.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

KEY_ENV = "KPP_PSEUDONYM_KEY"
KEY_FILE_ENV = "KPP_PSEUDONYM_KEY_FILE"
# Only for the built-in demo (synthetic numbers); `kpp run` on real data refuses to start without a key.
DEMO_KEY = b"kpp-demo-key-not-for-real-data"

_BLOCK = 64


class MissingKeyError(RuntimeError):
    pass


@dataclass(frozen=True)
class PseudonymKey:
    key: bytes
    source: str  # where the key came from, for the run log (never the key itself)

    @property
    def pads(self) -> dict[str, bytes]:
        key = self.key
        if len(key) > _BLOCK:
            import hashlib

            key = hashlib.sha256(key).digest()
        key = key.ljust(_BLOCK, b"\0")
        return {
            "ipad": bytes(b ^ 0x36 for b in key),
            "opad": bytes(b ^ 0x5C for b in key),
        }


def resolve_key(allow_demo: bool = False) -> PseudonymKey:
    """The key from KPP_PSEUDONYM_KEY, else the file named by KPP_PSEUDONYM_KEY_FILE."""
    if os.environ.get(KEY_ENV):
        return PseudonymKey(os.environ[KEY_ENV].encode("utf-8"), f"environment variable {KEY_ENV}")
    key_file = os.environ.get(KEY_FILE_ENV)
    if key_file:
        path = Path(key_file)
        if not path.is_file():
            raise MissingKeyError(f"{KEY_FILE_ENV}={key_file} does not name a readable file.")
        return PseudonymKey(path.read_bytes().strip(), f"key file {path}")
    if allow_demo:
        return PseudonymKey(DEMO_KEY, "the built-in demo key (synthetic data only)")
    raise MissingKeyError(
        "No pseudonymisation key: set KPP_PSEUDONYM_KEY, or KPP_PSEUDONYM_KEY_FILE to a file "
        "holding the key. Keep the key out of the repository; the same key gives the same "
        "patient pseudonym across periods."
    )


def normalised_sql(column: str) -> str:
    """Personnummer with white space, '-' and '+' removed (spec §1); NULL when empty."""
    return f"nullif(regexp_replace({column}, '[\\s+-]', '', 'g'), '')"


def pseudonym_sql(normalised: str) -> str:
    """HMAC-SHA-256 as hex; expects the parameters $ipad and $opad from PseudonymKey.pads."""
    return f"sha256($opad || unhex(sha256($ipad || encode({normalised}))))"


def flag_sql(p: str) -> str:
    """Classify a normalised number: missing, reserve, invalid_check_digit, samordningsnummer, valid.

    A number that is not 12 digits with a real birth date (day + 60 for
    samordningsnummer) is a reserve number; the Luhn check digit is computed on
    the last ten digits.
    """
    day = f"try_cast(substr({p}, 7, 2) as integer)"
    real_day = f"(case when {day} > 60 then {day} - 60 else {day} end)"
    is_date = (
        f"try_cast(substr({p}, 1, 4) || '-' || substr({p}, 5, 2) || '-' || "
        f"lpad(cast({real_day} as varchar), 2, '0') as date) is not null"
    )
    terms = " + ".join(
        f"((try_cast(substr({p}, {3 + i}, 1) as integer) * {2 - i % 2}) // 10"
        f" + (try_cast(substr({p}, {3 + i}, 1) as integer) * {2 - i % 2}) % 10)"
        for i in range(9)
    )
    luhn_ok = f"(10 - ({terms}) % 10) % 10 = try_cast(substr({p}, 12, 1) as integer)"
    return (
        f"case when {p} is null then 'missing' "
        f"when not regexp_full_match({p}, '[0-9]{{12}}') then 'reserve' "
        f"when not ({is_date}) then 'reserve' "
        f"when not ({luhn_ok}) then 'invalid_check_digit' "
        f"when {day} > 60 then 'samordningsnummer' "
        f"else 'valid' end"
    )
