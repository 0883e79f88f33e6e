"""IANA time-zone names: one check for the workspace config and every mapping."""

from __future__ import annotations

from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator


def is_time_zone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def _checked(value: str) -> str:
    if not is_time_zone(value):
        raise ValueError(f"unknown IANA time zone {value!r} (e.g. 'Europe/Paris', 'UTC')")
    return value


TimeZoneName = Annotated[str, AfterValidator(_checked)]
