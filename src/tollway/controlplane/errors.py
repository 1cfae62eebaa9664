"""Errors of the control plane (the admin API answers NotFound with 404, BadRequest with 400)."""

from __future__ import annotations

from tollway.errors import TollwayError


class NotFound(TollwayError):
    """An API, stage or deployment that does not exist (AWS's NotFoundException)."""


class BadRequest(TollwayError):
    """A request the control plane refuses (AWS's BadRequestException)."""


class Conflict(TollwayError):
    """A change that contradicts stored state (AWS's ConflictException, HTTP 409)."""
