"""Fixtures shared by every test level (see support.py)."""

from support import private_redis, serve, upstream

__all__ = ["private_redis", "serve", "upstream"]
