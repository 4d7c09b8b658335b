"""Named errors with a message a person can act on and a stable code for the API."""

from __future__ import annotations


class DissentError(Exception):
    code = "error"
    status = 400

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class InvalidInput(DissentError):
    code = "invalid_input"
    status = 400


class TooLarge(InvalidInput):
    code = "too_large"
    status = 400


class NotFound(DissentError):
    """Also what someone who may not know a thing exists is told."""

    code = "not_found"
    status = 404


class Forbidden(DissentError):
    code = "forbidden"
    status = 403


class NotEligibleError(Forbidden):
    code = "not_eligible"


class TransitionError(DissentError):
    """The thing is not in a state that allows this action (or it already happened)."""

    code = "wrong_state"
    status = 409


class Conflict(DissentError):
    code = "conflict"
    status = 409
