"""Accounting mappings are checked as a whole when saved and name what is missing."""

from __future__ import annotations

import pytest

from hub.domain.errors import AlreadyExists, InvalidValue, NotFound
from hub.domain.mappings import AccountRole, MappingRejected, PartyKind
from hub.services import accounting_mapping as am
from hub.services import catalog
from mapping.accounting import (
    ChartEntry,
    PartyEntry,
    TaxEntry,
    resolve_account,
    resolve_party,
    resolve_tax_code,
)
from tests.integration.factories import UowFactory

R = AccountRole
BOOKS = ["4000", "4010", "4020", "2200", "1210", "1220", "6100", "5000", "1400", "2000"]
COMPLETE = [
    ChartEntry(R.SALES, "4000"),
    ChartEntry(R.SHIPPING_INCOME, "4010"),
    ChartEntry(R.DISCOUNTS, "4020"),
    ChartEntry(R.SALES_TAX_PAYABLE, "2200"),
    ChartEntry(R.CLEARING, "1210", "channel:shop-eu"),
    ChartEntry(R.CLEARING, "1220", "channel:amazon-de"),
    ChartEntry(R.MARKETPLACE_FEES, "6100"),
    ChartEntry(R.COGS, "5000"),
    ChartEntry(R.INVENTORY, "1400"),
    ChartEntry(R.ACCOUNTS_PAYABLE, "2000"),
]


@pytest.fixture
def books(tenant: UowFactory) -> UowFactory:
    catalog.create_channel(tenant(), "shop-eu", "shopify", "EUR")
    catalog.create_channel(tenant(), "amazon-de", "amazon", "EUR")
    am.create_connection(
        tenant(), "qbo", "quickbooks", {"accounts": BOOKS, "tax_codes": ["TAX19", "TAX7"]}
    )
    return tenant


def test_a_complete_chart_is_saved_and_resolves_per_channel(books: UowFactory) -> None:
    am.set_accounts(books(), "qbo", COMPLETE)
    chart = am.show_mappings(books(), "qbo").chart
    assert resolve_account(chart, R.CLEARING, channel="amazon-de") == "1220"
    assert resolve_account(chart, R.SALES, channel="amazon-de") == "4000"


def test_a_missing_role_is_refused_naming_it_and_nothing_is_saved(books: UowFactory) -> None:
    partial = [e for e in COMPLETE if e.role not in (R.COGS, R.CLEARING)]
    with pytest.raises(MappingRejected) as caught:
        am.set_accounts(books(), "qbo", partial)
    assert caught.value.problems == [
        "role cogs: no account mapped",
        "role clearing for channel amazon-de: no account mapped "
        "(map scope channel:amazon-de or a default)",
        "role clearing for channel shop-eu: no account mapped "
        "(map scope channel:shop-eu or a default)",
    ]
    assert am.show_mappings(books(), "qbo").chart == []


def test_an_account_the_books_do_not_have_is_refused(books: UowFactory) -> None:
    am.set_accounts(books(), "qbo", COMPLETE)
    with pytest.raises(MappingRejected, match="role sales: unknown account '4999'"):
        am.set_accounts(books(), "qbo", [ChartEntry(R.SALES, "4999")])
    with pytest.raises(MappingRejected, match="unknown channel 'ebay-uk'"):
        am.set_accounts(books(), "qbo", [ChartEntry(R.CLEARING, "1210", "channel:ebay-uk")])
    chart = am.show_mappings(books(), "qbo").chart
    assert resolve_account(chart, R.SALES) == "4000"  # the old chart is untouched


def test_chart_import_is_all_or_nothing_with_row_numbers(books: UowFactory) -> None:
    good = "role,scope,account_code\n" + "".join(
        f"{e.role.value},{e.scope},{e.account_code}\n" for e in COMPLETE
    )
    am.import_chart(books(), "qbo", good)
    bad = good.replace("cogs,,5000", "cost_of_goods,,5000").replace("sales,,4000", "sales,,9")
    with pytest.raises(MappingRejected) as caught:
        am.import_chart(books(), "qbo", bad)
    assert caught.value.problems == [
        "row 2: role sales: unknown account '9' (not in the books)",
        "row 9: unknown role 'cost_of_goods'",
    ]
    assert am.export_chart(books(), "qbo").splitlines()[1:] == sorted(good.splitlines()[1:])


def test_tax_codes_are_checked_and_resolve_channel_first(books: UowFactory) -> None:
    am.set_tax_codes(books(), "qbo", [TaxEntry("VAT 19%", "TAX19", inclusive=True)])
    am.set_tax_codes(books(), "qbo", [TaxEntry("VAT 19%", "TAX7", channel="amazon-de")])
    with pytest.raises(MappingRejected, match="unknown tax code 'TAX99'"):
        am.set_tax_codes(books(), "qbo", [TaxEntry("VAT 7%", "TAX99")])
    taxes = am.show_mappings(books(), "qbo").tax_codes
    assert resolve_tax_code(taxes, "shop-eu", "VAT 19%") == ("TAX19", True)
    assert resolve_tax_code(taxes, "amazon-de", "VAT 19%") == ("TAX7", False)
    with pytest.raises(NotFound, match="VAT 7%"):
        resolve_tax_code(taxes, "shop-eu", "VAT 7%")


def test_party_rules_need_a_default_and_known_placeholders(books: UowFactory) -> None:
    with pytest.raises(MappingRejected, match="item rules: no default rule"):
        am.set_party_rules(books(), "qbo", [PartyEntry(PartyKind.ITEM, "Tent", "TENT")])
    with pytest.raises(MappingRejected, match=r"unknown placeholder\(s\) email"):
        am.set_party_rules(books(), "qbo", [PartyEntry(PartyKind.ITEM, "{email}")])
    am.set_party_rules(
        books(),
        "qbo",
        [
            PartyEntry(PartyKind.ITEM, "{sku}"),
            PartyEntry(PartyKind.ITEM, "Tent (all sizes)", "TENT"),
            PartyEntry(PartyKind.CUSTOMER, "{channel} sales"),
        ],
    )
    rules = am.show_mappings(books(), "qbo").party_rules
    assert resolve_party(rules, PartyKind.ITEM, "TENT", {"sku": "TENT"}) == "Tent (all sizes)"
    assert resolve_party(rules, PartyKind.ITEM, "POLE", {"sku": "POLE"}) == "POLE"
    customer = resolve_party(rules, PartyKind.CUSTOMER, "shop-eu", {"channel": "shop-eu"})
    assert customer == "shop-eu sales"


def test_connections_are_unique_and_name_a_known_system(books: UowFactory) -> None:
    with pytest.raises(AlreadyExists):
        am.create_connection(books(), "qbo", "xero")
    with pytest.raises(InvalidValue, match="system='sage'"):
        am.create_connection(books(), "sage-books", "sage")
