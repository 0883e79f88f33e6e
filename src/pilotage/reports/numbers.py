"""Numbers as each language writes them, through Babel (CLDR): in French a decimal comma, a
narrow no-break space between thousands and a no-break space before the unit (``74,8 %``,
``12 345``, ``4,07 €``); in English a decimal point and a comma between thousands
(``74.8 %``, ``12,345``, ``4.07 €``)."""

from __future__ import annotations

from babel.numbers import format_decimal

LOCALES = {"fr": "fr_FR", "en": "en_GB"}
UNIT_SPACE = {"fr": "\u00a0", "en": " "}  # CLDR fr: a no-break space before % and €


def number(value: float, lang: str, decimals: int = 0, *, signed: bool = False) -> str:
    """``value`` rounded to ``decimals`` places, thousands grouped; ``signed`` writes + too."""
    rounded = round(value, decimals) or 0.0  # as Python rounds (binary value); no "-0"
    body = "#,##0" + ("." + "0" * decimals if decimals else "")
    pattern = f"+{body};-{body}" if signed else body
    return str(format_decimal(rounded, pattern, locale=LOCALES[lang]))


def with_unit(value: float, unit: str, lang: str, decimals: int = 0, *,
              signed: bool = False) -> str:
    """``74,8 %``, ``4,07 €``, ``+0,7 pt``, ``412 s``."""
    return f"{number(value, lang, decimals, signed=signed)}{UNIT_SPACE[lang]}{unit}"


def percent(ratio: float, lang: str, decimals: int = 1) -> str:
    """A ratio in [0, 1] as a percentage: 0.748 → ``74,8 %``."""
    return with_unit(100 * ratio, "%", lang, decimals)


def points(change: float, lang: str, decimals: int = 1) -> str:
    """A change of a ratio, in percentage points: 0.007 → ``+0,7 pt``."""
    return with_unit(100 * change, "pt", lang, decimals, signed=True)


def euros(value: float, lang: str, decimals: int = 2, *, signed: bool = False) -> str:
    return with_unit(value, "€", lang, decimals, signed=signed)
