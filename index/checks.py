"""Checks of the values a component is built with: a bad one is a `ConfigError` naming it."""

from __future__ import annotations

from index.errors import ConfigError


def _number(name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ConfigError(f"{name} must be a number, got {value!r}")
    return value


def at_least(name: str, value: float, low: float) -> None:
    if not _number(name, value) >= low:
        raise ConfigError(f"{name} must be at least {low}, got {value}")


def between(name: str, value: float, low: float, high: float) -> None:
    if not low <= _number(name, value) <= high:
        raise ConfigError(f"{name} must be between {low} and {high}, got {value}")
