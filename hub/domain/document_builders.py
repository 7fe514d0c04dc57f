"""Pure builders: hub records -> balanced documents, through the connection's mappings.

Every builder raises a DomainError naming the record and what is missing (a mapping, a
rate, a balance); the generation service turns that into a held document.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Protocol

from hub.domain.documents import Document, DocumentKind, EntryLine
from hub.domain.errors import InvalidValue
from hub.domain.mappings import AccountRole
from hub.domain.money import Money, total
from hub.domain.orders import Order, Refund
from hub.domain.purchasing import Receipt

__all__ = [
    "Books",
    "FeeLine",
    "Payout",
    "bill_for_receipt",
    "credit_note_for_refund",
    "daily_key",
    "daily_summary",
    "documents_for_payout",
    "order_key",
    "refund_key",
    "sales_document",
]

R = AccountRole


class Books(Protocol):
    """One connection's mappings, as the builders need them."""

    @property
    def connection_id(self) -> int: ...

    @property
    def home_currency(self) -> str: ...

    @property
    def bank_account(self) -> str: ...

    def account(self, role: AccountRole, channel: str, gateway: str | None = None) -> str: ...

    def tax_code(self, channel: str, title: str) -> str: ...

    def customer(self, channel: str, email: str, name: str) -> str: ...

    def vendor(self, code: str, name: str) -> str: ...


@dataclass(frozen=True)
class FeeLine:
    description: str
    amount: Money


@dataclass(frozen=True)
class Payout:
    """A channel's payout or settlement: what it moved from clearing to the bank."""

    channel: str
    external_id: str
    paid_on: date
    net: Money
    fees: Sequence[FeeLine] = ()
    orders: Sequence[str] = ()  # external ids of the orders it settles
    refunds: Sequence[tuple[str, str]] = ()  # (order external id, refund external id)


def order_key(channel: str, order_external_id: str) -> str:
    return f"{channel}:order:{order_external_id}"


def refund_key(channel: str, order_external_id: str, refund_external_id: str) -> str:
    return f"{channel}:order:{order_external_id}:refund:{refund_external_id}"


def _rate(order: Order, books: Books) -> tuple[Decimal | None, str | None]:
    """Home units per order-currency unit, as recorded on the order (the order keeps
    shop units per presentment unit, so it is inverted when the presentment is home)."""
    if order.currency == books.home_currency:
        return None, None
    if order.fx_rate and order.presentment_currency == books.home_currency:
        rate = (Decimal(1) / order.fx_rate).quantize(Decimal("0.00000001"))
        return rate, f"{order.fx_source or 'order'} (inverted)"
    return None, None


def sales_document(order: Order, channel: str, books: Books, on: date, *, paid: bool) -> Document:
    """Receipt (paid) or invoice: Dr clearing what the buyer owes or paid; Cr sales per
    line net of its discount, shipping income, tax payable per tax line; Dr discounts."""
    cur = order.currency
    gateway = order.payments[0].gateway if order.payments else None
    clearing = books.account(R.CLEARING, channel, gateway)
    lines: list[EntryLine] = []
    inclusive = total([t.amount for t in order.tax_lines if t.inclusive], cur)
    sales = books.account(R.SALES, channel)
    for line in order.lines:
        net = line.subtotal - (line.discount or Money.zero(cur))
        lines.append(EntryLine(sales, -net, memo=line.title or line.mapping_key or ""))
    if inclusive.amount:
        lines.append(EntryLine(sales, inclusive, memo="tax included in prices"))
    order_discounts = total([d.amount for d in order.discounts], cur)
    if order_discounts.amount:
        lines.append(
            EntryLine(books.account(R.DISCOUNTS, channel), order_discounts, memo="discounts")
        )
    if order.shipping_total.amount:
        lines.append(
            EntryLine(
                books.account(R.SHIPPING_INCOME, channel), -order.shipping_total, memo="shipping"
            )
        )
    payable = books.account(R.SALES_TAX_PAYABLE, channel)
    for tax in order.tax_lines:
        code = books.tax_code(channel, tax.title)
        lines.append(EntryLine(payable, -tax.amount, tax_code=code, memo=tax.title))
    owed = order.grand_total.rounded()
    if paid:
        received = total([p.amount for p in order.payments], cur).rounded()
        if received != owed:
            raise InvalidValue(
                "payments",
                str(received.amount),
                f"payments {received.amount} {cur} != order total {owed.amount} {cur}",
                record=order.label,
            )
    lines.insert(0, EntryLine(clearing, owed, memo=f"order {order.external_id}"))
    lines = [ln for ln in lines if ln.amount.amount]
    rate, source = _rate(order, books)
    doc = Document(
        tenant_id=order.tenant_id,
        connection_id=books.connection_id,
        kind=DocumentKind.SALES_RECEIPT if paid else DocumentKind.SALES_INVOICE,
        key=order_key(channel, order.external_id),
        date=on,
        currency=cur,
        lines=lines,
        party=books.customer(channel, order.customer_email or "", order.customer_name or ""),
        source=f"order:{order.id}",
        fx_rate=rate,
        fx_source=source,
    )
    doc.check_balanced()
    return doc


def credit_note_for_refund(order: Order, refund: Refund, channel: str, books: Books) -> Document:
    """Dr sales and tax payable (tax in the order's tax-to-total proportion), Cr clearing.
    The fee is not returned: Shopify keeps it, so it stays on the fee document."""
    cur = order.currency
    if refund.amount.currency != cur:
        raise InvalidValue("currency", refund.amount.currency, f"order is in {cur}", order.label)
    if not refund.external_id:
        raise InvalidValue("external_id", None, "a refund needs an id for its key", order.label)
    gross = order.grand_total
    amount = refund.amount
    lines: list[EntryLine] = []
    payable = books.account(R.SALES_TAX_PAYABLE, channel)
    taxed = [t for t in order.tax_lines if t.amount.amount]
    tax_total = total([t.amount for t in taxed], cur)
    tax_part = Money.zero(cur)
    if taxed and gross.amount:
        tax_part = tax_total.times(amount.amount / gross.amount) if amount != gross else tax_total
        shares = tax_part.allocate([t.amount.amount for t in taxed]) if tax_part.amount else []
        for tax, share in zip(taxed, shares, strict=False):
            code = books.tax_code(channel, tax.title)
            lines.append(EntryLine(payable, share, tax_code=code, memo=f"refund {tax.title}"))
    lines.insert(0, EntryLine(books.account(R.SALES, channel), amount - tax_part, memo="refund"))
    gateway = order.payments[0].gateway if order.payments else None
    lines.append(EntryLine(books.account(R.CLEARING, channel, gateway), -amount, memo="refund"))
    lines = [ln for ln in lines if ln.amount.amount]
    rate, source = _rate(order, books)
    doc = Document(
        tenant_id=order.tenant_id,
        connection_id=books.connection_id,
        kind=DocumentKind.CREDIT_NOTE,
        key=refund_key(channel, order.external_id, refund.external_id),
        date=refund.created_at.date(),
        currency=cur,
        lines=lines,
        party=books.customer(channel, order.customer_email or "", order.customer_name or ""),
        source=f"refund:{refund.id}",
        fx_rate=rate,
        fx_source=source,
    )
    doc.check_balanced()
    return doc


def bill_for_receipt(
    receipt: Receipt, supplier_code: str, supplier_name: str, po_number: str, books: Books
) -> Document:
    """采购入库 -> 应付: Dr inventory, Cr accounts payable, one line per receipt line."""
    if not receipt.lines:
        raise InvalidValue(
            "lines", [], "a receipt without lines has nothing to bill", f"receipt {receipt.id}"
        )
    cur = receipt.lines[0].unit_cost.currency
    inventory = books.account(R.INVENTORY, "")
    lines = [
        EntryLine(
            inventory, ln.unit_cost.times(ln.quantity), memo=f"sku #{ln.sku_id} x{ln.quantity}"
        )
        for ln in receipt.lines
    ]
    lines.append(
        EntryLine(books.account(R.ACCOUNTS_PAYABLE, ""), -receipt.total_cost, memo=po_number)
    )
    doc = Document(
        tenant_id=receipt.tenant_id,
        connection_id=books.connection_id,
        kind=DocumentKind.SUPPLIER_BILL,
        key=f"purchase:{po_number}:receipt:{receipt.id}",
        date=receipt.received_at.date(),
        currency=cur,
        lines=lines,
        party=books.vendor(supplier_code, supplier_name),
        source=f"receipt:{receipt.id}",
    )
    doc.check_balanced()
    return doc


def documents_for_payout(payout: Payout, books: Books, tenant_id: int) -> list[Document]:
    """One fee document per fee line (Dr fees, Cr clearing) and the payout journal
    (Dr bank, Cr clearing, net): together they take from clearing what the payout settled."""
    channel, cur = payout.channel, payout.net.currency
    clearing = books.account(R.CLEARING, channel)
    fees_account = books.account(R.MARKETPLACE_FEES, channel)
    base = f"{channel}:payout:{payout.external_id}"
    docs: list[Document] = []
    for n, fee in enumerate(payout.fees, start=1):
        if fee.amount.currency != cur:
            raise InvalidValue("fees", fee.amount.currency, f"payout is in {cur}", base)
        lines = [
            EntryLine(fees_account, fee.amount, memo=fee.description),
            EntryLine(clearing, -fee.amount, memo=fee.description),
        ]
        docs.append(
            _payout_doc(payout, books, tenant_id, DocumentKind.FEE, f"{base}:fee:{n}", lines)
        )
    lines = [
        EntryLine(books.bank_account, payout.net, memo=f"payout {payout.external_id}"),
        EntryLine(clearing, -payout.net, memo=f"payout {payout.external_id}"),
    ]
    docs.append(_payout_doc(payout, books, tenant_id, DocumentKind.PAYOUT, base, lines))
    for doc in docs:
        doc.check_balanced()
    return docs


def _payout_doc(
    payout: Payout,
    books: Books,
    tenant_id: int,
    kind: DocumentKind,
    key: str,
    lines: list[EntryLine],
) -> Document:
    return Document(
        tenant_id=tenant_id,
        connection_id=books.connection_id,
        kind=kind,
        key=key,
        date=payout.paid_on,
        currency=payout.net.currency,
        lines=lines,
        party=payout.channel,
        source=f"payout:{payout.channel}:{payout.external_id}",
        payout=f"{payout.channel}:{payout.external_id}",
    )


def daily_key(channel: str, day: date, currency: str) -> str:
    return f"{channel}:daily:{day.isoformat()}:{currency}"


def daily_summary(
    channel: str, day: date, orders: Sequence[Document], books: Books, tenant_id: int
) -> Document:
    """One receipt for a channel's day in one currency: the orders' lines added up per
    (account, tax code). `members` names the orders it covers, for late arrivals and
    payouts. The rate is left to the books: orders of a day may carry different rates."""
    if not orders:
        raise InvalidValue("orders", [], "a daily summary needs orders", f"{channel} {day}")
    currency = orders[0].currency
    sums: dict[tuple[str, str | None], Money] = {}
    for doc in orders:
        if doc.currency != currency:
            raise InvalidValue("currency", doc.currency, f"summary is in {currency}", doc.label)
        for line in doc.lines:
            slot = (line.account, line.tax_code)
            sums[slot] = sums.get(slot, Money.zero(currency)) + line.amount
    lines = [
        EntryLine(account, amount, tax_code, memo=f"{len(orders)} orders {day.isoformat()}")
        for (account, tax_code), amount in sums.items()
        if amount.amount
    ]
    summary = Document(
        tenant_id=tenant_id,
        connection_id=books.connection_id,
        kind=DocumentKind.SALES_RECEIPT,
        key=daily_key(channel, day, currency),
        date=day,
        currency=currency,
        lines=sorted(lines, key=lambda ln: -ln.amount.amount),  # the clearing debit first
        party=channel,
        source=f"daily:{channel}:{day.isoformat()}",
        members=sorted(d.key for d in orders),
    )
    summary.check_balanced()
    return summary
