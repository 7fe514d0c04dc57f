"""A shop with books: channel `shop`, accounting connection `books` with a full chart in
Beancount account names, VAT mapped, a posting policy; plus order/refund/payout builders."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal

from connectors.toolkit.ratelimit import LocalTokenBucket, RateLimit
from hub.db.accounting_store import PostingPolicy
from hub.db.unit_of_work import UnitOfWork
from hub.domain.documents import LockPolicy, PostingPoint, SummaryMode
from hub.domain.mappings import AccountRole
from hub.domain.money import Money
from hub.domain.orders import Order, OrderLine, Payment, Refund, ShippingLine, TaxLine
from hub.services import accounting, accounting_mapping, catalog
from mapping.accounting import ChartEntry, TaxEntry

UowFactory = Callable[[], UnitOfWork]
R = AccountRole

CHART = {
    R.SALES: "Income:Sales",
    R.SHIPPING_INCOME: "Income:Shipping",
    R.DISCOUNTS: "Expenses:Discounts",
    R.SALES_TAX_PAYABLE: "Liabilities:SalesTax",
    R.CLEARING: "Assets:Clearing:Shop",
    R.MARKETPLACE_FEES: "Expenses:MarketplaceFees",
    R.COGS: "Expenses:COGS",
    R.INVENTORY: "Assets:Inventory",
    R.ACCOUNTS_PAYABLE: "Liabilities:AP",
}
BANK = "Assets:Bank"

# Where the factories' orders ship (the shape every mapper hands, mapping/addresses.py):
# a country, so the review rule holding orders without one lets them through.
SHIP_TO = {"country": "US", "subdivision": "US-NJ", "postal_code": "07030", "city": "Hoboken",
           "raw": {}}  # fmt: skip


def setup_books(
    uow: UowFactory,
    settings: dict[str, object] | None = None,
    *,
    system: str = "beancount",
    home: str = "USD",
    currencies: tuple[str, ...] = (),
    lock_date: date | None = None,
    lock_policy: LockPolicy = LockPolicy.SHIFT,
    chart: dict[AccountRole, str] | None = None,
    bank: str = BANK,
) -> None:
    catalog.create_channel(uow(), "shop", "shopify", home)
    accounting_mapping.create_connection(uow(), "books", system, settings or {})
    entries = [ChartEntry(role, code) for role, code in (chart or CHART).items()]
    accounting_mapping.set_accounts(uow(), "books", entries)
    accounting_mapping.set_tax_codes(uow(), "books", [TaxEntry("VAT", "VAT20")])
    set_policy(
        uow,
        home=home,
        currencies=currencies,
        lock_date=lock_date,
        lock_policy=lock_policy,
        bank=bank,
    )


def set_policy(
    uow: UowFactory,
    *,
    home: str = "USD",
    currencies: tuple[str, ...] = (),
    lock_date: date | None = None,
    lock_policy: LockPolicy = LockPolicy.SHIFT,
    posting_point: PostingPoint = PostingPoint.PAYMENT,
    bank: str = BANK,
    summary: SummaryMode = SummaryMode.PER_ORDER,
) -> None:
    accounting.set_policy(
        uow(),
        "books",
        lambda cid: PostingPolicy(
            cid, home, bank, posting_point, currencies, lock_date, lock_policy, summary
        ),
    )


def paid_order(
    uow: UowFactory,
    external_id: str,
    *,
    price: str = "100.00",
    tax: str = "10.00",
    shipping: str = "0",
    currency: str = "USD",
    day: date = date(2026, 11, 3),
    tax_title: str = "VAT",
    paid: str | None = None,
    presentment: str | None = None,
    fx_rate: str | None = None,
) -> Order:
    """One line at `price`, tax added on top, paid in full on `day` (or `paid`)."""
    when = datetime(day.year, day.month, day.day, 12, tzinfo=UTC)
    with uow() as u:
        channel = u.channels.by_key("shop")
        assert channel.id is not None and u.tenant_id is not None
        order = Order(u.tenant_id, channel.id, external_id, currency, when, customer_name="Ann",
                      ship_to=dict(SHIP_TO))  # fmt: skip
        if presentment and fx_rate:
            order.presentment_currency, order.fx_rate = presentment, Decimal(fx_rate)
            order.fx_source = "shopify:price_set"
        tid = u.tenant_id
        order.add_line(OrderLine("TENT", 1, Money.of(price, currency), title="Tent", tenant_id=tid))
        if Decimal(shipping):
            order.shipping_lines.append(
                ShippingLine("Standard", Money.of(shipping, currency), tenant_id=tid)
            )
        if Decimal(tax):
            order.tax_lines.append(
                TaxLine(tax_title, Decimal("0.1"), Money.of(tax, currency), tenant_id=tid)
            )
        amount = Money.of(paid, currency) if paid is not None else order.grand_total
        order.payments.append(
            Payment("shopify_payments", amount, f"p-{external_id}", when, tenant_id=tid)
        )
        u.orders.add(order)
        u.commit()
        return order


def refund(uow: UowFactory, order_id: str, refund_id: str, amount: str, day: date) -> None:
    with uow() as u:
        channel = u.channels.by_key("shop")
        assert channel.id is not None
        order = u.orders.by_external_id(channel.id, order_id)
        assert order is not None
        when = datetime(day.year, day.month, day.day, 15, tzinfo=UTC)
        order.refunds.append(
            Refund(
                Money.of(amount, order.currency), refund_id, created_at=when, tenant_id=u.tenant_id
            )
        )
        u.commit()


def supplier_receipt(uow: UowFactory, number: str = "PO-1", qty: int = 3, cost: str = "20") -> None:
    """Receive `qty` tents at `cost` from supplier ACME: a supplier bill of qty * cost."""
    from hub.services import purchasing

    with uow() as u:
        have_sku = u.skus.find(code="TENT") is not None
    if not have_sku:
        catalog.create_warehouse(uow(), "NJ", "New Jersey", country="US")
        catalog.create_sku(uow(), "TENT", "Tent", Money.of(cost, "USD"))
        catalog.create_supplier(uow(), "ACME", "Acme Tents", "USD")
    purchasing.create_purchase_order(
        uow(), number, "ACME", "NJ", [("TENT", qty, Money.of(cost, "USD"))]
    )
    # Dated inside the month the books tests reconcile, whatever day they run on.
    arrived = datetime(2026, 11, 20, 9, tzinfo=UTC)
    purchasing.receive_purchase_order(
        uow(), number, {"TENT": qty}, actor="test", received_at=arrived
    )


class VirtualTime:
    """Rate limits pass in virtual time: the rate budget waits, nobody sleeps."""

    def __init__(self) -> None:
        self.now = 0.0

    def sleep(self, seconds: float) -> None:
        self.now += seconds

    def budget(self, key: str, family: str, limit: RateLimit) -> LocalTokenBucket:
        return LocalTokenBucket(f"{key}:{family}", limit, clock=lambda: self.now)
