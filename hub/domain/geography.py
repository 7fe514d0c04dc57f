"""How near a warehouse is to a ship-to, from tables kept as data (pure).

The world is grouped by the UN M49 standard (data/m49.json: region, sub-region and,
where M49 has one, intermediate region of every ISO 3166-1 country), so an order to
France is nearer a German warehouse than an American one, and one to Canada nearer the
US than Europe. Within a country, the same ISO 3166-2 subdivision is nearest.
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources

__all__ = ["FARTHEST", "distance", "m49_path", "subdivision_in"]

# 0 same subdivision, 1 same country, 2 same M49 intermediate region, 3 same
# sub-region, 4 same region (continent), 5 anything else or unknown.
FARTHEST = 5


@lru_cache(maxsize=1)
def _countries() -> dict[str, tuple[str, str, str]]:
    text = resources.files("hub.domain").joinpath("data/m49.json").read_text("utf-8")
    return {code: (r, s, i) for code, (r, s, i) in json.loads(text)["countries"].items()}


def m49_path(country: str) -> tuple[str, str, str] | None:
    """(region, sub-region, intermediate region or "") of an alpha-2 country."""
    return _countries().get(country.upper()) if country else None


def subdivision_in(country: str, code: str) -> str:
    """A subdivision as its full ISO 3166-2 code: "NJ" within US is "US-NJ"."""
    code = code.strip().upper()
    if not code or not country:
        return code
    return code if "-" in code else f"{country.upper()}-{code}"


def distance(to_country: str, to_subdivision: str, country: str, subdivision: str) -> int:
    """How far a warehouse (country, subdivision) is from a ship-to, 0 (same
    subdivision) to FARTHEST (another continent, or either country unknown)."""
    if not to_country or not country:
        return FARTHEST
    if to_country == country:
        wanted = subdivision_in(to_country, to_subdivision)
        return 0 if wanted and wanted == subdivision_in(country, subdivision) else 1
    ours, theirs = m49_path(to_country), m49_path(country)
    if ours is None or theirs is None:
        return FARTHEST
    if ours[2] and ours[2] == theirs[2]:
        return 2
    if ours[1] == theirs[1]:
        return 3
    return 4 if ours[0] == theirs[0] else FARTHEST
