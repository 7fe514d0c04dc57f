"""Listing and bundle CSV: valid rows applied, bad rows refused by number, lossless round trip."""

from __future__ import annotations

import pytest

from hub.domain.errors import InvalidValue
from hub.domain.money import Money
from hub.services import bundles, catalog, listings
from tests.integration.factories import UowFactory

HEADER = (
    "channel_sku,sku,channel_product_id,channel_variant_id,channel_inventory_item_id,components\n"
)


@pytest.fixture
def shop(tenant: UowFactory) -> UowFactory:
    catalog.create_channel(tenant(), "shop-a", "shopify", "EUR")
    catalog.create_channel(tenant(), "shop-b", "shopify", "EUR")
    for code in ("TENT", "STOVE", "POLE", "KIT-1", "KIT-2"):
        catalog.create_sku(tenant(), code, code, Money.of("5", "EUR"))
    return tenant


def snapshot(uow: UowFactory, channel: str) -> list[tuple[object, ...]]:
    with uow() as u:
        ch = u.channels.by_key(channel)
        return sorted(
            (x.channel_sku, x.sku_id, x.channel_product_id, x.channel_variant_id,
             x.channel_inventory_item_id)
            for x in u.listings.list(channel_id=ch.id)
        )  # fmt: skip


def test_import_applies_valid_rows_and_reports_each_refused_row(shop: UowFactory) -> None:
    text = HEADER + (
        "T-1,TENT,gid://p/1,gid://v/1,gid://i/1,\n"  # row 2 ok
        "S-1,NOPE,,,,\n"  # row 3 unknown SKU
        "D-1,STOVE,,,,\n"  # row 4 duplicate ...
        "D-1,POLE,,,,\n"  # row 5 ... of row 4
        "B-1,,,,,TENT:1;GHOST:2\n"  # row 6 unknown component
        "B-2,TENT,,,,POLE:1\n"  # row 7 sku and components
        ",TENT,,,,\n"  # row 8 empty channel sku
        "X-1,TENT,,,\n"  # row 9 short row
        "P-1,POLE,,,,\n"  # row 10 ok
    )
    report = listings.import_listings(shop(), "shop-a", text)
    assert (report.created, report.updated, report.unchanged) == (2, 0, 0)
    assert [(e.row, e.reason) for e in report.refused] == [
        (3, "unknown SKU 'NOPE'"),
        (4, "duplicate channel SKU 'D-1' (rows 4, 5)"),
        (5, "duplicate channel SKU 'D-1' (rows 4, 5)"),
        (6, "unknown SKU 'GHOST'"),
        (7, "give either sku or components, not both"),
        (8, "channel_sku is empty"),
        (9, "has fewer fields than the header's 6"),
    ]
    assert [row[0] for row in snapshot(shop, "shop-a")] == ["P-1", "T-1"]


def test_a_bad_header_refuses_the_whole_file(shop: UowFactory) -> None:
    with pytest.raises(InvalidValue, match=r"row 1.*unknown column\(s\) skew") as caught:
        listings.import_listings(shop(), "shop-a", "channel_sku,skew\nT-1,TENT\n")
    assert caught.value.record == "CSV header (row 1)"
    with pytest.raises(InvalidValue, match=r"missing column\(s\) sku"):
        listings.import_listings(shop(), "shop-a", "channel_sku\nT-1\n")
    assert snapshot(shop, "shop-a") == []


def test_dry_run_reports_but_saves_nothing(shop: UowFactory) -> None:
    report = listings.import_listings(shop(), "shop-a", HEADER + "T-1,TENT,,,,\n", dry_run=True)
    assert report.created == 1 and report.dry_run
    assert snapshot(shop, "shop-a") == []


def test_csv_round_trip_is_lossless(shop: UowFactory) -> None:
    tricky = HEADER + (
        '" padded ",TENT,"1,2","say ""hi""",inv-ü,\n'
        "Z-unlinked,,p9,,,\n"
        "kit-listing,,,,,POLE:4;STOVE:1\n"
        "ÄÖ-ß,STOVE,,v-7,,\n"
    )
    first = listings.import_listings(shop(), "shop-a", tricky)
    assert first.refused == []
    exported = listings.export_listings(shop(), "shop-a")
    # Import the export into another channel: identical rows, identical export.
    listings.import_listings(shop(), "shop-b", exported)
    assert listings.export_listings(shop(), "shop-b") == exported
    assert [r[0:1] + r[2:] for r in snapshot(shop, "shop-a")] == [
        r[0:1] + r[2:] for r in snapshot(shop, "shop-b")
    ]
    # Importing it again where it came from changes nothing.
    again = listings.import_listings(shop(), "shop-a", exported)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 4)
    assert listings.export_listings(shop(), "shop-a") == exported
    assert "POLE:4;STOVE:1" in exported
    assert [r[0] for r in snapshot(shop, "shop-b")] == [
        " padded ",
        "Z-unlinked",
        "kit-listing",
        "ÄÖ-ß",
    ]
    assert snapshot(shop, "shop-b")[0][2:4] == ("1,2", 'say "hi"')


def test_absent_id_columns_leave_stored_ids_alone_and_empty_cells_clear_them(
    shop: UowFactory,
) -> None:
    listings.import_listings(shop(), "shop-a", HEADER + "T-1,TENT,p1,v1,i1,\n")
    listings.import_listings(shop(), "shop-a", "channel_sku,sku\nT-1,STOVE\n")
    [row] = snapshot(shop, "shop-a")
    assert row[2:] == ("p1", "v1", "i1")
    listings.import_listings(shop(), "shop-a", "channel_sku,sku,channel_variant_id\nT-1,STOVE,\n")
    [row] = snapshot(shop, "shop-a")
    assert row[2:] == ("p1", None, "i1")


def test_bundle_import_refuses_cycles_and_unknown_skus_and_applies_the_rest(
    shop: UowFactory,
) -> None:
    bundles.set_bundle(shop(), "KIT-1", [("TENT", 1), ("POLE", 2)])
    text = (
        "bundle_sku,component_sku,quantity\n"
        "KIT-2,KIT-1,2\n"  # row 2: nested kit, fine
        "KIT-2,STOVE,1\n"  # row 3
        "TENT,KIT-2,1\n"  # row 4: TENT would contain KIT-2 which contains TENT: cycle
        "POLE,GHOST,1\n"  # row 5: unknown component
        "STOVE,POLE,0\n"  # row 6: bad quantity
    )
    report = bundles.import_bundles(shop(), text)
    assert report.applied == ["KIT-2"]
    reasons = {e.row: e.reason for e in report.refused}
    assert set(reasons) == {4, 5, 6}
    assert "cyclic bundle" in reasons[4] and "TENT -> KIT-2 -> KIT-1 -> TENT" in reasons[4]
    assert reasons[5] == "unknown sku 'GHOST'"
    assert reasons[6] == "quantity '0' must be a whole number > 0"
    assert bundles.list_bundles(shop()) == {
        "KIT-1": [("POLE", 2), ("TENT", 1)],
        "KIT-2": [("KIT-1", 2), ("STOVE", 1)],
    }
    with shop() as uow:
        ids = {s.code: s.id for s in uow.skus.list()}
        definitions = bundles.bundle_definitions(uow)
    # Nested kits flatten to leaf SKUs with multiplied quantities.
    assert definitions[("sku", ids["KIT-2"])] == sorted(
        [(ids["TENT"], 2), (ids["POLE"], 4), (ids["STOVE"], 1)]
    )


def test_set_bundle_refuses_a_bundle_containing_itself(shop: UowFactory) -> None:
    with pytest.raises(InvalidValue, match="KIT-1 -> KIT-1"):
        bundles.set_bundle(shop(), "KIT-1", [("KIT-1", 1)])
    bundles.set_bundle(shop(), "KIT-1", [("KIT-2", 1)])
    with pytest.raises(InvalidValue, match="cyclic bundle"):
        bundles.set_bundle(shop(), "KIT-2", [("KIT-1", 1)])
    assert bundles.list_bundles(shop()) == {"KIT-1": [("KIT-2", 1)]}


def test_bundle_csv_round_trip_is_lossless(shop: UowFactory) -> None:
    text = "bundle_sku,component_sku,quantity\nKIT-1,POLE,2\nKIT-1,TENT,1\nKIT-2,STOVE,3\n"
    assert bundles.import_bundles(shop(), text).refused == []
    assert bundles.export_bundles(shop()) == text
