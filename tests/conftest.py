"""Fixtures shared by every test level (see support.py)."""

from support import serve, upstream

__all__ = ["serve", "upstream"]
