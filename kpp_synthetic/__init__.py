"""Synthetic KPP landing data (deterministic, vectorised): see generator.py and CALIBRATION.md."""

from .generator import DRG_WEIGHTS, SIZES, SPECIFIC_ACCOUNTS, generate

__all__ = ["DRG_WEIGHTS", "SIZES", "SPECIFIC_ACCOUNTS", "generate"]
