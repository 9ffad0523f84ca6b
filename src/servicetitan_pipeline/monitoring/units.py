"""Numbers as a person writes them, for the health and tenant pages: GB not 270553174016 bytes, 25 % not
0.25, 1.87 s not 1 s, and "nothing to score" for a validation of no records (never 100 %)."""

from __future__ import annotations

from decimal import Decimal

NOTHING_TO_SCORE = "nothing to score"
_BYTE_UNITS = ("bytes", "KB", "MB", "GB", "TB", "PB")


def human_bytes(value: float) -> str:
    """Decimal units, as disks are sold and `df -H` prints: 270553174016 → "270.6 GB"."""
    size = float(value)
    for unit in _BYTE_UNITS:
        if abs(size) < 1000 or unit == _BYTE_UNITS[-1]:
            return f"{size:,.0f} {unit}" if unit == "bytes" else f"{size:,.1f} {unit}"
        size /= 1000
    raise AssertionError("unreachable")


def human_fraction(value: float) -> str:
    """A fraction as a percentage: 0.25 → "25 %", 0.0412 → "4.1 %" (one decimal below 10 %)."""
    percent = float(value) * 100
    return human_percent(percent)


def human_percent(percent: float | Decimal) -> str:
    percent = float(percent)
    if percent != 0 and abs(percent) < 10 and percent != round(percent):
        return f"{percent:.1f} %"
    return f"{percent:.0f} %"


def human_duration(seconds: float | None) -> str:
    """With fractions where they matter: 0.4 → "0.4 s", 1.87 → "1.9 s", 95 → "1 min 35 s", 3725 → "1 h 2 min"."""
    if seconds is None:
        return "—"
    seconds = float(seconds)
    if seconds < 10:
        return f"{seconds:.1f} s"
    if seconds < 60:
        return f"{seconds:.0f} s"
    minutes, secs = divmod(round(seconds), 60)
    if minutes < 60:
        return f"{minutes} min {secs} s" if secs else f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min" if minutes else f"{hours} h"


def human_count(value: int, singular: str, plural: str | None = None) -> str:
    """1 sync, 3 syncs, 3,000 records."""
    word = singular if value == 1 else (plural or singular + "s")
    return f"{value:,} {word}"


def quality_score(score: float | Decimal | None) -> str:
    """A data-quality score; None is a validation of no records."""
    if score is None:
        return NOTHING_TO_SCORE
    return f"{float(score):.2f}".rstrip("0").rstrip(".") + " %"
