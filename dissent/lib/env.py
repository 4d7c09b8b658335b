"""Read settings from environment variables, failing loudly on bad values.

Secrets may come from ``NAME_FILE`` (a path whose content is the value), so that
container secrets and systemd credentials never have to sit in the environment.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


class SettingError(ValueError):
    """A setting has a value the application cannot use; the message says which and why."""


def _raw(name: str, environ: Mapping[str, str]) -> str | None:
    path = environ.get(f"{name}_FILE")
    if path:
        try:
            with open(path, encoding="utf-8") as fh:
                return fh.read().strip()
        except OSError as exc:
            raise SettingError(f"{name}_FILE={path!r} cannot be read: {exc.strerror}") from exc
    return environ.get(name)


def env_str(name: str, default: str = "", environ: Mapping[str, str] = os.environ) -> str:
    value = _raw(name, environ)
    return default if value is None else value


def env_bool(name: str, default: bool = False, environ: Mapping[str, str] = os.environ) -> bool:
    value = _raw(name, environ)
    if value is None or not value.strip():
        # Empty means unset: `DISSENT_HTTPS=` must not quietly turn HTTPS protections off.
        return default
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise SettingError(f"{name}={value!r} is not a boolean: use true or false")


def env_int(
    name: str,
    default: int,
    *,
    minimum: int | None = None,
    maximum: int | None = None,
    environ: Mapping[str, str] = os.environ,
) -> int:
    value = _raw(name, environ)
    if value is None or value.strip() == "":
        return default
    try:
        number = int(value.strip())
    except ValueError:
        raise SettingError(f"{name}={value!r} is not a whole number") from None
    if minimum is not None and number < minimum:
        raise SettingError(f"{name}={number} is below the minimum {minimum}")
    if maximum is not None and number > maximum:
        raise SettingError(f"{name}={number} is above the maximum {maximum}")
    return number


def env_list(
    name: str, default: list[str] | None = None, environ: Mapping[str, str] = os.environ
) -> list[str]:
    value = _raw(name, environ)
    if value is None:
        return list(default or [])
    return [item.strip() for item in value.split(",") if item.strip()]


def env_choice(
    name: str, choices: list[str], default: str, environ: Mapping[str, str] = os.environ
) -> str:
    value = _raw(name, environ)
    if value is None or value.strip() == "":
        return default
    value = value.strip().lower()
    if value not in choices:
        raise SettingError(f"{name}={value!r} must be one of: {', '.join(choices)}")
    return value
