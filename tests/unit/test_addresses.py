"""Every platform's shipping address in one ISO 3166 shape (mapping.addresses)."""

from __future__ import annotations

from typing import Any

import pytest

from mapping.addresses import country_and_subdivision, country_code, ship_to, subdivision_code
from mapping.platforms.amazon import _ship_to as amazon
from mapping.platforms.ebay import _ship_to as ebay
from mapping.platforms.medusa import _ship_to as medusa
from mapping.platforms.shopify import _ship_to as shopify_rest
from mapping.platforms.shopify_graphql import _ship_to as shopify_graphql
from mapping.platforms.woocommerce import _ship_to as woocommerce


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("US", "US"),
        ("us", "US"),
        ("USA", "US"),
        ("United States", "US"),
        ("united states of america", "US"),
        ("Germany", "DE"),
        ("UK", "GB"),
        ("South Korea", "KR"),
        ("Côte d'Ivoire", "CI"),
        ("Cote d'Ivoire", "CI"),
        ("Atlantis", ""),
        ("", ""),
        (None, ""),
    ],
)
def test_a_country_code_or_name_becomes_its_iso_alpha_2(value: str | None, code: str) -> None:
    assert country_code(value) == code


@pytest.mark.parametrize(
    ("country", "value", "code"),
    [
        ("US", "NJ", "US-NJ"),
        ("US", "nj", "US-NJ"),
        ("US", "US-NJ", "US-NJ"),
        ("US", "us-nj", "US-NJ"),
        ("US", "New Jersey", "US-NJ"),
        ("US", "new  jersey", "US-NJ"),
        ("DE", "BE", "DE-BE"),
        ("DE", "Baden-Württemberg", "DE-BW"),
        ("DE", "Baden Wurttemberg", "DE-BW"),
        ("US", "BE", ""),  # Berlin is no US state
        ("DE", "New Jersey", ""),
        ("", "NJ", ""),  # no country: no subdivision either
        ("US", "", ""),
    ],
)
def test_a_subdivision_resolves_only_within_its_country(
    country: str, value: str, code: str
) -> None:
    assert subdivision_code(country, value) == code


def test_the_raw_address_is_kept_beside_the_normalised_keys() -> None:
    raw = {"country": "United States", "province": "New Jersey", "zip": " 07030 ", "x": 1}
    normalised = ship_to(
        raw, country=raw["country"], subdivision=raw["province"], postal_code=raw["zip"]
    )
    assert normalised == {
        "country": "US",
        "subdivision": "US-NJ",
        "postal_code": "07030",
        "city": "",
        "raw": raw,
    }


def _facts(address: dict[str, Any]) -> tuple[str, str, str, str]:
    return address["country"], address["subdivision"], address["postal_code"], address["city"]


HOBOKEN = ("US", "US-NJ", "07030", "Hoboken")


def test_shopify_rest_reads_the_codes_and_falls_back_to_the_names() -> None:
    # Shopify REST Order.shipping_address: country/province are names, *_code the codes.
    coded = {"city": "Hoboken", "zip": "07030", "country": "United States",
             "country_code": "US", "province": "New Jersey", "province_code": "NJ"}  # fmt: skip
    names_only = {"city": "Hoboken", "zip": "07030", "country": "United States",
                  "province": "New Jersey"}  # fmt: skip
    assert _facts(shopify_rest(coded)) == HOBOKEN
    assert _facts(shopify_rest(names_only)) == HOBOKEN


def test_shopify_graphql_reads_country_code_v2_and_province_code() -> None:
    address = {"city": "Hoboken", "zip": "07030", "countryCodeV2": "US", "provinceCode": "NJ",
               "country": "United States", "province": "New Jersey"}  # fmt: skip
    assert _facts(shopify_graphql(address)) == HOBOKEN


def test_woocommerce_reads_country_and_state() -> None:
    address = {"city": "Hoboken", "postcode": "07030", "country": "US", "state": "NJ"}
    assert _facts(woocommerce(address)) == HOBOKEN


def test_amazon_reads_state_or_region_as_a_code_or_a_name() -> None:
    for state in ("NJ", "New Jersey"):
        address = {"City": "Hoboken", "PostalCode": "07030", "CountryCode": "US",
                   "StateOrRegion": state}  # fmt: skip
        assert _facts(amazon(address)) == HOBOKEN


def test_an_amazon_order_without_an_address_has_no_country() -> None:
    # Amazon withholds ShippingAddress before payment or without the PII role.
    assert _facts(amazon(None)) == ("", "", "", "")


def test_ebay_reads_the_contact_address_of_ship_to() -> None:
    address = {"fullName": "Bea", "contactAddress": {"city": "Hoboken", "postalCode": "07030",
               "countryCode": "US", "stateOrProvince": "NJ"}}  # fmt: skip
    normalised = ebay(address)
    assert _facts(normalised) == HOBOKEN
    assert normalised["raw"]["fullName"] == "Bea"


def test_medusa_reads_lower_case_codes() -> None:
    address = {"city": "Hoboken", "postal_code": "07030", "country_code": "us", "province": "us-nj"}
    assert _facts(medusa(address)) == HOBOKEN


@pytest.mark.parametrize(
    ("stored", "found"),
    [
        ({"country": "US", "subdivision": "US-NJ", "raw": {"state": "NJ"}}, ("US", "US-NJ")),
        ({"country": "", "subdivision": "", "raw": {}}, ("", "")),
        # Stored before addresses were normalised: the platform's own keys.
        ({"countryCodeV2": "US", "country": "United States", "provinceCode": "NJ"},
         ("US", "US-NJ")),
        ({"country": "United States", "country_code": "US", "province": "New Jersey"},
         ("US", "US-NJ")),
        ({"CountryCode": "US", "StateOrRegion": "New Jersey"}, ("US", "US-NJ")),
        ({"contactAddress": {"countryCode": "US", "stateOrProvince": "NJ"}}, ("US", "US-NJ")),
        ({"country_code": "de", "province": None}, ("DE", "")),
        ({"country": "DE", "region": "BE"}, ("DE", "DE-BE")),
        ({}, ("", "")),
    ],
)  # fmt: skip
def test_a_stored_ship_to_is_read_whichever_shape_it_was_stored_in(
    stored: dict[str, Any], found: tuple[str, str]
) -> None:
    assert country_and_subdivision(stored) == found
