"""A platform's shipping address in the hub's one shape (ISO 3166), for every mapper.

Platforms name the same facts differently: Shopify GraphQL `countryCodeV2`/`provinceCode`,
Shopify REST `country_code`/`province_code` (beside the names "United States"/"New Jersey"),
WooCommerce `country`/`state`, Amazon `CountryCode`/`StateOrRegion` (free text: "NJ" or
"New Jersey"), eBay `contactAddress.countryCode`/`stateOrProvince`, Medusa
`country_code`/`province` (often "us-nj"). The allocator's `nearest` strategy and the
review rules read only the normalised keys:

    {"country": "US",          ISO 3166-1 alpha-2, "" when unknown
     "subdivision": "US-NJ",   ISO 3166-2, "" when unknown or not resolvable
     "postal_code": "07030",   as given, trimmed ("" when none)
     "city": "Hoboken",        as given, trimmed ("" when none)
     "raw": {...}}             the platform's own address, untouched

Names and codes are resolved with pycountry (the ISO 3166 data Debian and most Python
projects use). Nothing is guessed: a value that names no country or no subdivision of
that country leaves the key empty, and the raw address still says what the platform sent.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

import pycountry

__all__ = ["country_and_subdivision", "country_code", "ship_to", "subdivision_code"]

# Codes in everyday use that ISO 3166-1 does not assign (or reserves for other uses).
_COUNTRY_ALIASES = {"UK": "GB", "EL": "GR"}


def _fold(text: str) -> str:
    """Case, accents and spacing folded, so "new  jersey" and "Baden-Württemberg" match."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return " ".join(plain.replace("-", " ").lower().split())


@lru_cache(maxsize=1024)
def country_code(value: str | None) -> str:
    """ISO 3166-1 alpha-2 for a code (alpha-2, alpha-3, numeric) or an English name;
    "" when the value names no country."""
    text = (value or "").strip()
    if not text:
        return ""
    text = _COUNTRY_ALIASES.get(text.upper(), text)
    try:
        return str(pycountry.countries.lookup(text).alpha_2)
    except LookupError:
        return _by_folded_name().get(_fold(text), "")


@lru_cache(maxsize=1)
def _by_folded_name() -> dict[str, str]:
    names: dict[str, str] = {}
    for country in pycountry.countries:
        for attr in ("name", "official_name", "common_name"):
            name = getattr(country, attr, None)
            if name:
                names[_fold(name)] = country.alpha_2
    return names


@lru_cache(maxsize=4096)
def subdivision_code(country: str, value: str | None) -> str:
    """ISO 3166-2 ("US-NJ") for a subdivision of `country` given as its full code, its code
    without the country ("NJ", "nj"), or its name ("New Jersey"); "" when unresolvable."""
    text = (value or "").strip()
    if not country or not text:
        return ""
    subdivisions = _subdivisions(country)
    upper = text.upper().replace("_", "-")
    for candidate in (upper, f"{country}-{upper}"):
        if candidate in subdivisions:
            return candidate
    folded = _fold(text)
    for code, name in subdivisions.items():
        if _fold(name) == folded:
            return code
    return ""


@lru_cache(maxsize=256)
def _subdivisions(country: str) -> dict[str, str]:
    found = pycountry.subdivisions.get(country_code=country) or []  # type: ignore[no-untyped-call]
    return {str(s.code): str(s.name) for s in found}


def ship_to(
    raw: Mapping[str, Any] | None,
    *,
    country: Any = None,
    subdivision: Any = None,
    postal_code: Any = None,
    city: Any = None,
) -> dict[str, Any]:
    """The normalised address. `country` may be a code or a name; pass the platform's
    code field first where it has one (`country or name` picks the first present)."""
    code = country_code(_text(country))
    return {
        "country": code,
        "subdivision": subdivision_code(code, _text(subdivision)),
        "postal_code": _text(postal_code),
        "city": _text(city),
        "raw": dict(raw or {}),
    }


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


# Orders stored before addresses were normalised keep the platform's own keys; codes
# first, names last (Shopify's `country` is a name beside `country_code`/`countryCodeV2`).
_COUNTRY_KEYS = ("countryCodeV2", "country_code", "CountryCode", "countryCode", "country")
_SUBDIVISION_KEYS = ("provinceCode", "province_code", "StateOrRegion", "stateOrProvince",
                     "state", "province", "region")  # fmt: skip


def country_and_subdivision(stored: Mapping[str, Any]) -> tuple[str, str]:
    """(ISO alpha-2, ISO 3166-2) of a stored ship_to, whichever shape it was stored in:
    the normalised one (it has `raw`) as it is, an older platform-shaped one resolved."""
    if "raw" in stored:
        return str(stored.get("country") or ""), str(stored.get("subdivision") or "")
    flat = {**(stored.get("contactAddress") or {}), **stored}  # eBay's shipTo nests it
    country = country_code(_first(flat, _COUNTRY_KEYS))
    return country, subdivision_code(country, _first(flat, _SUBDIVISION_KEYS))


def _first(address: Mapping[str, Any], keys: tuple[str, ...]) -> str:
    for key in keys:
        value = _text(address.get(key))
        if value:
            return value
    return ""
