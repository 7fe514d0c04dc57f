"""How near a warehouse is to a ship-to: subdivision, country, then UN M49 groups."""

from __future__ import annotations

import pycountry
import pytest

from hub.domain.geography import FARTHEST, distance, m49_path, subdivision_in


def test_every_iso_country_but_antarctica_has_an_m49_region() -> None:
    missing = {c.alpha_2 for c in pycountry.countries if m49_path(c.alpha_2) is None}
    assert missing == {"AQ"}  # M49 places Antarctica in no region


def test_m49_places_countries_where_the_standard_does() -> None:
    assert m49_path("US") == ("019", "021", "")  # Americas / Northern America
    assert m49_path("MX") == ("019", "419", "013")  # Latin America / Central America
    assert m49_path("DE") == ("150", "155", "")  # Europe / Western Europe
    assert m49_path("KE") == ("002", "202", "014")  # Sub-Saharan / Eastern Africa


@pytest.mark.parametrize(
    ("to", "warehouse", "far"),
    [
        (("US", "US-NJ"), ("US", "NJ"), 0),  # a warehouse's short code is within its country
        (("US", "US-NJ"), ("US", "US-CA"), 1),
        (("US", ""), ("US", "US-NJ"), 1),
        (("BR", ""), ("AR", ""), 2),  # both South America
        (("CA", "CA-ON"), ("US", "US-NJ"), 3),  # both Northern America
        (("MX", ""), ("US", ""), 4),  # both Americas
        (("FR", ""), ("DE", "DE-BE"), 3),  # both Western Europe
        (("GB", ""), ("DE", ""), 4),  # Northern vs Western Europe: both Europe
        (("US", "US-NJ"), ("DE", "DE-BE"), FARTHEST),
        (("", ""), ("DE", "DE-BE"), FARTHEST),  # unknown country: no one is nearer
        (("AQ", ""), ("DE", ""), FARTHEST),
    ],
)
def test_distance_orders_warehouses_from_nearest_to_farthest(
    to: tuple[str, str], warehouse: tuple[str, str], far: int
) -> None:
    assert distance(*to, *warehouse) == far


def test_subdivision_in_completes_a_short_code_only() -> None:
    assert subdivision_in("US", "nj") == "US-NJ"
    assert subdivision_in("US", "US-NJ") == "US-NJ"
    assert subdivision_in("", "NJ") == "NJ"
