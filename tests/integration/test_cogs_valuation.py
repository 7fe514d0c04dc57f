"""Cost of goods at the moving average: receipts, shipments, restocked returns, scrap and
counts post inventory journals into a real Beancount ledger (bean-check clean), and the
valuation at any date equals the ledger's inventory account."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from functools import partial
from pathlib import Path

import pytest

from connectors.accounting.beancount import BeancountConfig, BeancountConnector
from hub.db.accounting_store import DocumentStore
from hub.db.costing_rows import cost_entries, sku_states
from hub.domain.clock import utcnow
from hub.domain.documents import DocumentKind, DocumentStatus
from hub.domain.errors import CurrencyMismatch
from hub.domain.mappings import AccountRole
from hub.domain.money import Money
from hub.services import (
    accounting,
    accounting_mapping,
    catalog,
    fulfilment,
    inventory,
    posting,
    purchasing,
)
from hub.services.allocation import allocate
from hub.services.reports import run_report, to_csv
from hub.services.valuation import set_catalog_cost, valuation_total, value_inventory
from mapping.accounting import ChartEntry
from reconciliation import Period, reconcile, summary
from tests.conftest import Database
from tests.integration.alloc_setup import Shop, shop
from tests.integration.books_setup import CHART, UowFactory, set_policy
from tests.integration.test_beancount_books import balances, bean_check

USD = "USD"
CHART_WITH_ADJUSTMENTS = {**CHART, AccountRole.INVENTORY_ADJUSTMENTS: "Expenses:Shrinkage"}


def _books(uow: UowFactory, ledger: Path) -> BeancountConnector:
    accounting_mapping.create_connection(uow(), "books", "beancount", {"ledger_path": str(ledger)})
    accounting_mapping.set_accounts(
        uow(), "books", [ChartEntry(r, c) for r, c in CHART_WITH_ADJUSTMENTS.items()]
    )
    set_policy(uow, home=USD)
    return BeancountConnector(BeancountConfig(ledger_path=str(ledger)))


def _sku(s: Shop, code: str, catalog_cost: str = "0") -> None:
    sku = catalog.create_sku(s.uow(), code, code, Money.of(catalog_cost, USD))
    assert sku.id is not None
    s.sku_ids[code] = sku.id


def _receive(uow: UowFactory, po: str, warehouse: str, qty: int, cost: str, on: date) -> None:
    with uow() as u:
        known = u.suppliers.find(code="ACME") is not None
    if not known:
        catalog.create_supplier(uow(), "ACME", "Acme Tents", USD)
    purchasing.create_purchase_order(
        uow(), po, "ACME", warehouse, [("TENT", qty, Money.of(cost, USD))]
    )
    arrived = datetime(on.year, on.month, on.day, 9, tzinfo=UTC)
    purchasing.receive_purchase_order(uow(), po, {"TENT": qty}, actor="t", received_at=arrived)


def _post(uow: UowFactory, connector: BeancountConnector) -> accounting.GenerationReport:
    report = accounting.generate_documents(uow(), "books")
    posting.post_pending_documents(uow, "books", connector)
    return report


def test_moving_average_cogs_returns_scrap_and_counts_book_what_the_valuation_says(
    tenant: UowFactory, tmp_path: Path
) -> None:
    ledger = tmp_path / "books.beancount"
    connector = _books(tenant, ledger)
    s = shop(tenant, {}, warehouses=("BER", "NJ"))
    _sku(s, "TENT")
    yesterday = utcnow().date() - timedelta(days=1)
    _receive(tenant, "PO-1", "BER", 10, "20.00", yesterday)
    _receive(tenant, "PO-2", "NJ", 5, "23.00", yesterday)  # average (200 + 115) / 15 = 21

    order = s.order([("TENT", 3)])
    allocate(tenant(), order)
    fulfilment.ship(tenant(), order, actor="t")  # Dr COGS 63, Cr inventory 63
    (line,) = s.line_ids(order)
    fulfilment.return_items(tenant(), order, line, 1, "BER", actor="t")  # restocked: +21
    inventory.scrap(tenant(), "NJ", "TENT", 1, actor="t", reason="water damage")  # -21
    on_hand_ber = s.level("BER", "TENT")[0]
    inventory.adjust_to_count(
        tenant(), "BER", "TENT", on_hand_ber - 1, actor="t", reason="cycle count"
    )  # -21
    _receive(tenant, "PO-3", "NJ", 2, "30.00", utcnow().date())  # 11 x 21 + 60 = 291

    report = _post(tenant, connector)
    assert report.held == {}
    assert bean_check(ledger).returncode == 0, bean_check(ledger).stdout
    books = balances(ledger)
    assert books["Expenses:COGS"] == Decimal("42.00")  # 63 shipped - 21 back
    assert books["Expenses:Shrinkage"] == Decimal("42.00")  # scrap + count
    rows = value_inventory(tenant(), utcnow().date())
    (tent,) = [r for r in rows if r["sku"] == "TENT"]
    assert tent["on_hand"] == 13 and tent["valued_quantity"] == 13
    assert tent["value"] == "291.00" and tent["unit_cost"] == "22.384615"
    assert valuation_total(rows, USD).amount == books["Assets:Inventory"] == Decimal("291.00")
    # Yesterday: only the first two receipts, in the valuation as in the ledger's bills.
    before = value_inventory(tenant(), yesterday)
    assert valuation_total(before, USD).amount == Decimal("315.00")

    # Each movement is one journal, keyed by it: generating again adds nothing.
    again = _post(tenant, connector)
    assert again.created == [] and again.held == {}
    tid, cid = _tid(tenant), _cid(tenant)
    with tenant() as u:
        docs = DocumentStore(u.session, tid).documents(cid)
    journals = [d for d in docs if d.kind is DocumentKind.INVENTORY]
    assert len(journals) == 4 and all(d.status is DocumentStatus.POSTED for d in journals)
    assert all(d.key.startswith("cogs:movement:") for d in journals)
    # Reconciliation finds each journal in the books with its amount and accounts.
    this_month = Period.parse(utcnow().strftime("%Y-%m"))
    recon = reconcile(tenant, "books", connector, this_month)
    assert recon.reconciled, summary(recon)
    scrap = next(d for d in journals if "water damage" in d.lines[0].memo)
    assert [str(ln.amount.amount) for ln in scrap.lines] == ["21.00", "-21.00"]
    assert scrap.lines[0].account == "Expenses:Shrinkage"


def test_a_shipment_of_a_sku_with_no_cost_is_held_naming_the_sku_never_booked_at_zero(
    tenant: UowFactory, tmp_path: Path
) -> None:
    connector = _books(tenant, tmp_path / "books.beancount")
    s = shop(tenant, {}, warehouses=("BER",))
    _sku(s, "TENT")
    inventory.adjust_to_count(tenant(), "BER", "TENT", 4, actor="t", reason="found")
    order = s.order([("TENT", 1)])
    allocate(tenant(), order)
    fulfilment.ship(tenant(), order, actor="t")
    report = _post(tenant, connector)
    assert len(report.held) == 2  # the count and the shipment
    assert all("no unit cost for sku TENT" in why for why in report.held.values())
    rows = value_inventory(tenant(), utcnow().date())
    (tent,) = [r for r in rows if r["sku"] == "TENT"]
    assert tent["on_hand"] == 3 and tent["value"] == "" and tent["missing"] == 2

    # Fixed: a unit cost in the catalog; the held journals are valued with it and post.
    set_catalog_cost(tenant(), "TENT", Money.of("12.50", USD))
    retried = accounting.generate_documents(tenant(), "books", retry_held=True)
    assert retried.held == {} and len(retried.created) == 2
    posting.post_pending_documents(tenant, "books", connector)
    ledger = tmp_path / "books.beancount"
    assert bean_check(ledger).returncode == 0
    books = balances(ledger)
    assert books["Expenses:Shrinkage"] == Decimal("-50.00")  # the count found 4 x 12.50
    assert books["Expenses:COGS"] == Decimal("12.50")
    rows = value_inventory(tenant(), utcnow().date())
    assert valuation_total(rows, USD).amount == books["Assets:Inventory"] == Decimal("37.50")
    # A later shipment of the same SKU is costed at once, at the average.
    order = s.order([("TENT", 1)])
    allocate(tenant(), order)
    fulfilment.ship(tenant(), order, actor="t")
    assert _post(tenant, connector).held == {}
    assert balances(ledger)["Assets:Inventory"] == Decimal("25.00")


def test_selling_out_takes_the_whole_remaining_value_so_no_rounding_is_left(
    tenant: UowFactory, tmp_path: Path
) -> None:
    connector = _books(tenant, tmp_path / "books.beancount")
    s = shop(tenant, {}, warehouses=("BER",))
    _sku(s, "TENT")
    today = utcnow().date()
    _receive(tenant, "PO-1", "BER", 1, "10.00", today)
    _receive(tenant, "PO-2", "BER", 2, "10.01", today)  # average 10.006667
    for _ in range(3):
        order = s.order([("TENT", 1)])
        allocate(tenant(), order)
        fulfilment.ship(tenant(), order, actor="t")
    _post(tenant, connector)
    books = balances(tmp_path / "books.beancount")
    assert books["Expenses:COGS"] == Decimal("30.02")  # 10.01 + 10.01 + 10.00
    assert books["Assets:Inventory"] == Decimal("0")
    rows = value_inventory(tenant(), today)
    assert valuation_total(rows, USD).amount == Decimal("0")


def test_the_valuation_report_is_a_named_report_with_a_total_per_currency(
    tenant: UowFactory,
) -> None:
    s = shop(tenant, {}, warehouses=("BER",))
    _sku(s, "TENT")
    _receive(tenant, "PO-1", "BER", 4, "7.25", utcnow().date())
    with tenant() as u:
        assert u.tenant_id is not None
        rows = run_report(u.session, u.tenant_id, "valuation", 30, at=utcnow().date())
        earlier = run_report(
            u.session, u.tenant_id, "valuation", 30, at=utcnow().date() - timedelta(days=1)
        )
    assert [(r["sku"], r["value"]) for r in rows] == [("TENT", "29.00"), ("TOTAL", "29.00")]
    assert earlier == []
    assert to_csv(rows).splitlines()[0] == (
        "sku,on_hand,valued_quantity,unit_cost,value,currency,missing"
    )


def _tid(uow: UowFactory) -> int:
    with uow() as u:
        assert u.tenant_id is not None
        return u.tenant_id


def _cid(uow: UowFactory) -> int:
    from hub.services.accounting_books import connection_id

    with uow() as u:
        return connection_id(u, "books")


pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def test_freight_and_duty_go_into_the_lines_cost_and_the_books_by_value(
    tenant: UowFactory, tmp_path: Path
) -> None:
    ledger = tmp_path / "books.beancount"
    connector = _books(tenant, ledger)
    accounting_mapping.set_accounts(
        tenant(), "books", [ChartEntry(AccountRole.LANDED_COSTS, "Liabilities:LandedCosts")]
    )
    s = shop(tenant, {}, warehouses=("BER",))
    _sku(s, "TENT")
    _sku(s, "POLE")
    catalog.create_supplier(tenant(), "ACME", "Acme Tents", USD)
    lines = [("TENT", 10, Money.of("20.00", USD)), ("POLE", 5, Money.of("40.00", USD))]
    purchasing.create_purchase_order(tenant(), "PO-9", "ACME", "BER", lines)
    with pytest.raises(CurrencyMismatch, match="landed cost duty"):
        purchasing.receive_purchase_order(
            tenant(), "PO-9", {"TENT": 10}, actor="t", landed=[("duty", Money.of("1", "EUR"))]
        )
    purchasing.receive_purchase_order(
        tenant(),
        "PO-9",
        {"TENT": 10, "POLE": 5},
        actor="t",
        landed=[("freight", Money.of("30.00", USD)), ("duty", Money.of("12.01", USD))],
    )  # 42.01 over 200 + 200: 21.01 to TENT (largest remainder first), 21.00 to POLE
    order = s.order([("TENT", 1)])
    allocate(tenant(), order)
    fulfilment.ship(tenant(), order, actor="t")  # 221.01 / 10 = 22.101 -> 22.10
    assert _post(tenant, connector).held == {}
    assert bean_check(ledger).returncode == 0, bean_check(ledger).stdout
    books = balances(ledger)
    assert books["Liabilities:LandedCosts"] == Decimal("-42.01")
    assert books["Liabilities:AP"] == Decimal("-400.00")  # the supplier's bill: goods only
    assert books["Expenses:COGS"] == Decimal("22.10")
    rows = {r["sku"]: r for r in value_inventory(tenant(), utcnow().date())}
    assert rows["POLE"]["unit_cost"] == "44.200000"
    assert rows["TENT"]["value"] == "198.91"
    assert valuation_total(list(rows.values()), USD).amount == books["Assets:Inventory"]
    assert books["Assets:Inventory"] == Decimal("419.91")


def test_concurrent_receipts_and_scraps_keep_the_average_equal_to_its_movements(
    db: Database, tenant: UowFactory
) -> None:
    if db.backend != "postgres":
        pytest.skip("concurrent writers need PostgreSQL; SQLite serializes every writer")
    s = shop(tenant, {}, warehouses=("BER", "NJ"))
    _sku(s, "TENT")
    today = utcnow().date()
    _receive(tenant, "PO-0", "BER", 40, "10.00", today)
    _receive(tenant, "PO-00", "NJ", 40, "10.00", today)
    for n in range(4):
        lines = [("TENT", 5, Money.of(f"{11 + n}.00", USD))]
        purchasing.create_purchase_order(tenant(), f"PO-R{n}", "ACME", "NJ", lines)
    errors: list[BaseException] = []
    barrier = threading.Barrier(6)

    def run(step: Callable[[], object]) -> None:
        try:
            barrier.wait()
            step()
        except BaseException as exc:
            errors.append(exc)

    steps: list[Callable[[], object]] = [
        partial(purchasing.receive_purchase_order, tenant(), f"PO-R{n}", {"TENT": 5}, actor="t")
        for n in range(4)
    ]
    steps += [
        partial(inventory.scrap, tenant(), w, "TENT", 3, actor="t", reason="race")
        for w in ("BER", "NJ")
    ]
    threads = [threading.Thread(target=run, args=(step,)) for step in steps]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert errors == []
    tid = _tid(tenant)
    with tenant() as u:
        (state,) = sku_states(u.session, tid).values()
        entries = cost_entries(u.session, tid)
    assert state.quantity == sum(e.quantity for e in entries) == 94  # 80 + 20 - 6
    assert state.value == sum(e.value.amount for e in entries if e.value)
    rows = value_inventory(tenant(), today)
    assert valuation_total(rows, USD).amount == state.value


def test_a_lot_tracked_sku_is_costed_per_lot_at_what_that_lot_cost(
    tenant: UowFactory, tmp_path: Path
) -> None:
    ledger = tmp_path / "books.beancount"
    connector = _books(tenant, ledger)
    s = shop(tenant, {}, warehouses=("BER",))
    sku = catalog.create_sku(tenant(), "GAS", "Gas", Money.of("0", USD), lot_tracked=True)
    assert sku.id is not None
    s.sku_ids["GAS"] = sku.id
    catalog.create_supplier(tenant(), "ACME", "Acme", USD)
    for po, lot, cost in (("PO-A", "A", "10.00"), ("PO-B", "B", "14.00")):
        purchasing.create_purchase_order(
            tenant(), po, "ACME", "BER", [("GAS", 5, Money.of(cost, USD))]
        )
        purchasing.receive_purchase_order(tenant(), po, {"GAS": 5}, actor="t", lots={"GAS": lot})
    inventory.scrap(tenant(), "BER", "GAS", 1, actor="t", reason="leak", lot="B")  # 14, not 12
    inventory.return_to_stock(tenant(), "BER", "GAS", 1, actor="t", reason="back", lot="A")
    assert _post(tenant, connector).held == {}
    books = balances(ledger)
    assert books["Expenses:Shrinkage"] == Decimal("14.00")
    assert books["Expenses:COGS"] == Decimal("-10.00")
    rows = {r["sku"]: r for r in value_inventory(tenant(), utcnow().date())}
    assert rows["GAS"]["value"] == "116.00" and rows["GAS"]["valued_quantity"] == 10
    assert valuation_total(list(rows.values()), USD).amount == books["Assets:Inventory"]
    tid = _tid(tenant)
    with tenant() as u:
        layers = {lot: st.unit_cost for (_, lot), st in sku_states(u.session, tid).items()}
    assert layers == {"A": Decimal("10.000000"), "B": Decimal("14.000000")}


def test_a_count_without_the_adjustments_account_is_held_until_it_is_mapped(
    tenant: UowFactory, tmp_path: Path
) -> None:
    ledger = tmp_path / "books.beancount"
    settings = {"ledger_path": str(ledger)}
    accounting_mapping.create_connection(tenant(), "books", "beancount", settings)
    chart = [ChartEntry(r, c) for r, c in CHART.items()]
    accounting_mapping.set_accounts(tenant(), "books", chart)
    set_policy(tenant, home=USD)
    connector = BeancountConnector(BeancountConfig(ledger_path=str(ledger)))
    s = shop(tenant, {}, warehouses=("BER",))
    _sku(s, "TENT")
    _receive(tenant, "PO-1", "BER", 5, "8.00", utcnow().date())
    inventory.adjust_to_count(tenant(), "BER", "TENT", 4, actor="t", reason="cycle count")
    held = _post(tenant, connector).held
    assert len(held) == 1 and "inventory_adjustments" in next(iter(held.values()))
    assert "Expenses:Shrinkage" not in balances(ledger)  # nothing half-posted
    accounting_mapping.set_accounts(
        tenant(), "books", [ChartEntry(AccountRole.INVENTORY_ADJUSTMENTS, "Expenses:Shrinkage")]
    )
    assert accounting.generate_documents(tenant(), "books", retry_held=True).held == {}
    posting.post_pending_documents(tenant, "books", connector)
    books = balances(ledger)
    assert books["Expenses:Shrinkage"] == Decimal("8.00")
    assert books["Assets:Inventory"] == Decimal("32.00")
    assert bean_check(ledger).returncode == 0
