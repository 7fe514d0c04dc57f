"""SKU normalisation and auto-linking of channel SKUs to internal SKUs by exact match.

Channels mangle SKUs in small ways (a trailing space from a spreadsheet, lower case on
one marketplace). Auto-link compares codes after the chosen normalisations, and links
only when exactly one internal SKU matches; everything else is reported, never guessed.
Stored values are never rewritten: the listing keeps the channel's SKU as sent.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from hub.domain.errors import InvalidValue

__all__ = ["LinkPlan", "Normalisation", "normalise", "parse_normalisations", "plan_links"]


class Normalisation(StrEnum):
    TRIM = "trim"  # strip leading/trailing whitespace
    CASE = "case"  # compare case-insensitively (Unicode casefold)


def parse_normalisations(spec: str) -> frozenset[Normalisation]:
    """ "trim,case" -> {TRIM, CASE}; "" or "none" -> exact comparison."""
    result = set()
    for part in (p.strip().lower() for p in spec.split(",")):
        if part in ("", "none"):
            continue
        try:
            result.add(Normalisation(part))
        except ValueError:
            allowed = ", ".join(n.value for n in Normalisation)
            raise InvalidValue("normalise", part, f"unknown rule; use {allowed}") from None
    return frozenset(result)


def normalise(code: str, rules: frozenset[Normalisation]) -> str:
    if Normalisation.TRIM in rules:
        code = code.strip()
    if Normalisation.CASE in rules:
        code = code.casefold()
    return code


@dataclass(frozen=True)
class LinkPlan:
    linked: dict[str, str]  # channel SKU -> internal SKU code
    not_linked: dict[str, str]  # channel SKU -> why


def plan_links(
    channel_skus: Iterable[str],
    internal_codes: Iterable[str],
    rules: frozenset[Normalisation],
) -> LinkPlan:
    """Which channel SKUs match exactly one internal code after normalisation."""
    index: dict[str, list[str]] = {}
    for code in internal_codes:
        index.setdefault(normalise(code, rules), []).append(code)
    linked: dict[str, str] = {}
    not_linked: dict[str, str] = {}
    for channel_sku in channel_skus:
        matches = sorted(index.get(normalise(channel_sku, rules), []))
        if len(matches) == 1:
            linked[channel_sku] = matches[0]
        elif not matches:
            not_linked[channel_sku] = "no internal SKU matches"
        else:
            not_linked[channel_sku] = f"ambiguous: matches {', '.join(matches)}"
    return LinkPlan(linked, not_linked)
