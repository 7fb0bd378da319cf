"""The file the generator puts in each landing folder it writes: synthetic data, safe to overwrite.

`kpp demo` and `kpp generate` never write into a landing folder without it (a real delivery),
and the demo key is accepted only for folders with it (kpp/landing/pseudonym.py).
"""

from __future__ import annotations

from pathlib import Path

GENERATED_MARKER = ".kpp-generated"


def is_generated(landing_dir: Path) -> bool:
    return (landing_dir / GENERATED_MARKER).is_file()


def check_overwritable(landing_dir: Path) -> None:
    """Raise ValueError if `landing_dir` holds anything the generator did not write."""
    if landing_dir.is_dir() and any(landing_dir.iterdir()) and not is_generated(landing_dir):
        raise ValueError(
            f"{landing_dir} holds a delivery the generator did not write (no {GENERATED_MARKER} file); "
            "it is never overwritten or used by the demo. Use another --data-root for generated data."
        )


def mark(landing_dir: Path) -> None:
    (landing_dir / GENERATED_MARKER).write_text("Written by `kpp generate` / `kpp demo`: synthetic data only.\n",
                                                encoding="utf-8")
