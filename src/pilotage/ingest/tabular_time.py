"""Local wall-clock timestamps → naive UTC, vectorised.

DuckDB's ``timezone()`` calls ICU for every value (about 1 µs each); here the UTC offset is
looked up once per distinct local hour with :mod:`zoneinfo`, and exactly, value by value, only
in the hours where the offset changes (DST transitions): :func:`hour_offsets` and
:func:`value_offsets` give those tables (``tabular`` joins them in DuckDB); :func:`local_to_utc`
applies them to Arrow values. Ambiguous local times (the repeated hour in autumn) take the
first occurrence (``fold=0``, summer time); local times that do not exist (the skipped hour
in spring) take the offset before the change, as ``zoneinfo`` does.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

_US_PER_HOUR = 3_600_000_000
_EPOCH = dt.datetime(1970, 1, 1)
_DENSE_HOURS = 20_000  # spans shorter than this (2.3 years): offsets for every hour


def _offset_us(local_us: int, zone: ZoneInfo) -> int:
    try:
        local = _EPOCH + dt.timedelta(microseconds=local_us)
        offset = local.replace(tzinfo=zone).utcoffset()
    except (OverflowError, ValueError):
        return 0
    return 0 if offset is None else int(offset.total_seconds() * 1_000_000)


def hour_offsets(hours: np.ndarray, zone_name: str) -> tuple[np.ndarray, np.ndarray]:
    """UTC offsets (µs) at the start and at the end of each local hour (hours since 1970)."""
    zone = ZoneInfo(zone_name)
    start = np.array([_offset_us(int(h) * _US_PER_HOUR, zone) for h in hours], dtype=np.int64)
    end = np.array([_offset_us(int(h + 1) * _US_PER_HOUR - 1, zone) for h in hours],
                   dtype=np.int64)
    return start, end


def value_offsets(local_us: np.ndarray, zone_name: str) -> np.ndarray:
    """The exact UTC offset (µs) of each local time (µs since 1970), value by value."""
    zone = ZoneInfo(zone_name)
    return np.array([_offset_us(int(v), zone) for v in local_us], dtype=np.int64)


def local_to_utc(values: pa.ChunkedArray | pa.Array, zone_name: str) -> pa.Array:
    """Naive local ``timestamp[us]`` values in ``zone_name`` → naive UTC ``timestamp[us]``."""
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    values = values.cast(pa.timestamp("us"))
    if len(values) == 0 or values.null_count == len(values):
        return values
    has_nulls = values.null_count > 0
    local = (pc.fill_null(values.cast(pa.int64()), 0) if has_nulls else values.cast(pa.int64())
             ).to_numpy(zero_copy_only=False)
    hour = local // _US_PER_HOUR
    valid = values.is_valid().to_numpy(zero_copy_only=False) if has_nulls else None
    present = hour[valid] if valid is not None else hour
    low, high = int(present.min()), int(present.max())
    if high - low < _DENSE_HOURS:  # every hour of the span: no sort needed
        hours = np.arange(low, high + 1, dtype=np.int64)
        inverse = hour - low
        if valid is not None:
            inverse[~valid] = 0
    else:
        hours, inverse = np.unique(hour, return_inverse=True)
    start, end = hour_offsets(hours, zone_name)
    offsets = start[inverse]
    changing = start != end
    if changing.any():  # only values in an hour where the offset changes, value by value
        zone = ZoneInfo(zone_name)
        for i in np.nonzero(changing[inverse])[0]:
            offsets[i] = _offset_us(int(local[i]), zone)
    utc = pa.array(local - offsets, pa.int64()).cast(pa.timestamp("us"))
    return pc.if_else(values.is_valid(), utc, pa.scalar(None, pa.timestamp("us"))) \
        if has_nulls else utc
