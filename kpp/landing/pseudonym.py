"""Keyed pseudonymisation of personnummer (spec §5).

HMAC-SHA-256 runs inside DuckDB (``sha256`` over BLOBs), once per distinct
number, so a region's millions of rows never pass through Python. The key is
bound as a query parameter: it never appears in SQL text, logs or metadata.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from kpp.settings import KEY_ENV, KEY_FILE_ENV

# Only for the built-in demo (synthetic numbers): the runs of `kpp demo` (setting `demo`), on landing
# folders the generator wrote; everywhere else the demo key is refused.
DEMO_KEY = b"kpp-demo-key-not-for-real-data"
MIN_KEY_BYTES = 32
# The fingerprint is the HMAC of this fixed label: equal fingerprints mean the same key (and so
# comparable pseudonyms across periods), and it reveals nothing about the key.
_FINGERPRINT_LABEL = b"kpp-key-fingerprint-v1"
_HOW_TO = (
    "Make a key once per region and keep it out of the repository and the data root: "
    "`openssl rand -hex 32 > kpp.key && chmod 600 kpp.key`, then `export KPP_PSEUDONYM_KEY_FILE=$PWD/kpp.key` "
    "(docs/data-protection.md)."
)

_BLOCK = 64


class MissingKeyError(RuntimeError):
    """No usable pseudonymisation key: none given, or one that would not protect the numbers."""


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

    @property
    def fingerprint(self) -> str:
        """HMAC-SHA-256 of a fixed label under the key, first 16 hex digits: names the key, never shows it."""
        return hmac.new(self.key, _FINGERPRINT_LABEL, hashlib.sha256).hexdigest()[:16]


def resolve_key(allow_demo: bool = False) -> PseudonymKey:
    """The key from KPP_PSEUDONYM_KEY, else the file named by KPP_PSEUDONYM_KEY_FILE, checked.

    White space around the key is stripped (a key file usually ends in a newline); what is left
    must be at least MIN_KEY_BYTES bytes. A key file must be readable by its owner only. The
    demo key is accepted only with `allow_demo` (`kpp demo` on generated data).
    """
    if KEY_ENV in os.environ:
        key, source = os.environ[KEY_ENV].encode("utf-8").strip(), f"environment variable {KEY_ENV}"
    elif os.environ.get(KEY_FILE_ENV):
        path = Path(os.environ[KEY_FILE_ENV])
        if not path.is_file():
            raise MissingKeyError(f"{KEY_FILE_ENV}={path} does not name a readable file. {_HOW_TO}")
        mode = path.stat().st_mode
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise MissingKeyError(
                f"The key file {path} is readable or writable by group or others (mode {stat.filemode(mode)}): "
                f"anyone who can read it can reverse every pseudonym. Run `chmod 600 {path}`."
            )
        key, source = path.read_bytes().strip(), f"key file {path}"
    elif allow_demo:
        return PseudonymKey(DEMO_KEY, "the built-in demo key (synthetic data only)")
    else:
        raise MissingKeyError(
            f"No pseudonymisation key: set {KEY_FILE_ENV} to a file holding the key (or {KEY_ENV} to the key). "
            f"The same key gives the same patient pseudonym across periods. {_HOW_TO}"
        )
    if key == DEMO_KEY and not allow_demo:
        raise MissingKeyError(f"The {source} holds the public demo key, which protects nothing; "
                              f"it is accepted only by `kpp demo` on generated data. {_HOW_TO}")
    if not key:
        raise MissingKeyError(f"The {source} holds an empty key (or only white space): every pseudonym would be "
                              f"reversible by trying all numbers. {_HOW_TO}")
    if len(key) < MIN_KEY_BYTES and key != DEMO_KEY:
        raise MissingKeyError(f"The key in the {source} is {len(key)} bytes long; at least {MIN_KEY_BYTES} are "
                              f"required. {_HOW_TO}")
    return PseudonymKey(key, source)


def demo_key_allowed(landing_dir: Path, demo: bool) -> bool:
    """The demo key may pseudonymise a landing folder only in `kpp demo` (`demo`) and only if the generator wrote it."""
    from kpp.landing.generated_marker import is_generated

    return demo and is_generated(landing_dir)


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
