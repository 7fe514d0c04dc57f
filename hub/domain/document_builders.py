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
from hub.domain.errors import InvalidValue, UnknownAmount
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
    "credit_note_key",
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


def credit_note_key(channel: str, order: Order, refund: Refund) -> str:
    """A refund the platform gave no id is keyed by the hub's own (stable once stored)."""
    reference = refund.external_id or f"hub-{refund.id}"
    return refund_key(channel, order.external_id, reference)


def _rate(order: Order, books: Books) -> tuple[Decimal | None, str | None]:
    """Home units per order-currency unit, as recorded on the order (the order keeps
    shop units per presentment unit, so it is inverted when the presentment is home)."""
    if order.currency == books.home_currency:
        return None, None
    if order.fx_rate and order.presentment_currency == books.home_currency:
        rate = (Decimal(1) / order.fx_rate).quantize(Decimal("0.00000001"))
        return rate, f"{order.fx_source or 'order'} (inverted)"
    return None, None


def _ready_to_book(order: Order) -> None:
    """Refuse (so the document is held with the reason) an order the books must not see
    yet: one held by the totals self-check, or one with amounts the platform did not
    state (unknown is not zero: a document built from it would book zero)."""
    if order.invoice_hold:
        raise InvalidValue(
            "invoice_hold", order.invoice_hold, "held from invoicing", record=order.label
        )
    unknown = order.unknown_amounts()
    if unknown:
        raise UnknownAmount(", ".join(unknown), record=order.label)


def _presentment_memo(order: Order) -> str:
    """The buyer's currency, stated on the document when it differs from the books'."""
    if not order.presentment_currency or order.presentment_currency == order.currency:
        return ""
    rate = f" at {order.fx_rate} {order.currency}/{order.presentment_currency}"
    source = f" ({order.fx_source})" if order.fx_source else ""
    return (
        f"; buyer paid in {order.presentment_currency}, booked in {order.currency}"
        f"{rate if order.fx_rate else ''}{source}"
    )


def _inclusive(order: Order, money: Money | None, tax_inclusive: bool) -> Money:
    return money if money is not None and tax_inclusive else Money.zero(order.currency)


def sales_document(order: Order, channel: str, books: Books, on: date, *, paid: bool) -> Document:
    """Receipt (paid) or invoice. Dr clearing what the seller is owed (the buyer's total
    less the tax a marketplace collects and remits); Cr sales per line net of its discount,
    shipping income net of its discount, fee lines as revenue, tax payable per seller tax
    line; Dr order-level discounts. Where prices include tax, each line, shipping line and
    fee is booked net of the tax it states (and of marketplace tax inside the price); the
    rest of the included tax comes off sales in one line, so sales are always net."""
    _ready_to_book(order)
    cur = order.currency
    zero = Money.zero(cur)
    inclusive_prices = order.prices_include_tax
    gateway = order.payments[0].gateway if order.payments else None
    clearing = books.account(R.CLEARING, channel, gateway)
    sales = books.account(R.SALES, channel)
    lines: list[EntryLine] = []
    included_tax = total(
        [t.amount for t in order.tax_lines if t.inclusive or inclusive_prices], cur
    )
    taken_out = zero  # included tax already taken out of a line, shipping or fee
    market_inside = zero  # marketplace tax taken out of a line's gross price
    for line in order.lines:
        tax = _inclusive(order, line.tax, inclusive_prices)
        market = _inclusive(order, line.marketplace_tax, inclusive_prices)
        net = line.subtotal - (line.discount or zero) - tax - market
        taken_out, market_inside = taken_out + tax, market_inside + market
        lines.append(EntryLine(sales, -net, memo=line.title or line.mapping_key or ""))
    shipping_account = books.account(R.SHIPPING_INCOME, channel)
    for ship in order.shipping_lines:
        tax = _inclusive(order, ship.tax, inclusive_prices)
        taken_out = taken_out + tax
        net = ship.price - (ship.discount or zero) - tax
        lines.append(EntryLine(shipping_account, -net, memo=ship.title or "shipping"))
    for fee in order.fee_lines:
        tax = _inclusive(order, fee.tax, inclusive_prices)
        taken_out = taken_out + tax
        lines.append(EntryLine(sales, -(fee.amount - tax), memo=f"fee: {fee.title}"))
    rest = included_tax - taken_out
    if rest.amount:
        lines.append(EntryLine(sales, rest, memo="tax included in prices"))
    if order.marketplace_tax is not None and inclusive_prices:
        rest_market = order.marketplace_tax - market_inside
        if rest_market.amount:
            lines.append(EntryLine(sales, rest_market, memo="marketplace tax in prices"))
    order_discounts = total([d.amount for d in order.discounts], cur)
    if order_discounts.amount:
        lines.append(
            EntryLine(books.account(R.DISCOUNTS, channel), order_discounts, memo="discounts")
        )
    payable = books.account(R.SALES_TAX_PAYABLE, channel)
    for tax_line in order.tax_lines:
        code = books.tax_code(channel, tax_line.title)
        lines.append(EntryLine(payable, -tax_line.amount, tax_code=code, memo=tax_line.title))
    owed = order.seller_total.rounded()
    if paid:
        received = total([p.amount for p in order.payments], cur).rounded()
        if received not in (owed, order.grand_total.rounded()):
            raise InvalidValue(
                "payments",
                str(received.amount),
                f"payments {received.amount} {cur} != order total {owed.amount} {cur}",
                record=order.label,
            )
    remitted = ""
    if order.marketplace_tax is not None and order.marketplace_tax.amount:
        remitted = f"; {order.marketplace_tax} tax remitted by {order.tax_remitted_by}"
    memo = f"order {order.number or order.external_id}{remitted}{_presentment_memo(order)}"
    lines.insert(0, EntryLine(clearing, owed, memo=memo))
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


def _refund_lines_entries(
    order: Order, refund: Refund, channel: str, books: Books
) -> list[EntryLine]:
    """From the platform's refund detail: Dr sales per refunded line (its subtotal), Dr
    shipping income (shipping refunded), Dr sales for the unallocated rest, Dr tax payable
    (the seller's tax refunded, over the order's tax lines). The parts must add up to the
    refund; tax the marketplace remits is refunded by the marketplace, not the seller."""
    cur = order.currency
    zero = Money.zero(cur)
    sales = books.account(R.SALES, channel)
    out: list[EntryLine] = []
    line_tax = zero
    parts = zero
    for rl in refund.lines:
        if rl.subtotal is None:
            raise UnknownAmount(f"refunds[{refund.external_id}].lines[{rl.line_external_id}]"
                                ".subtotal", record=order.label)  # fmt: skip
        out.append(EntryLine(sales, rl.subtotal, memo=f"refund line {rl.line_external_id} "
                                                      f"x{rl.quantity}"))  # fmt: skip
        parts = parts + rl.subtotal
        line_tax = line_tax + (rl.tax or zero)
    if refund.shipping is not None and refund.shipping.amount:
        out.append(
            EntryLine(books.account(R.SHIPPING_INCOME, channel), refund.shipping, memo="refund")
        )
        parts = parts + refund.shipping
    if refund.unallocated is not None and refund.unallocated.amount:
        out.append(EntryLine(sales, refund.unallocated, memo="refund (not tied to a line)"))
        parts = parts + refund.unallocated
    tax = refund.tax if refund.tax is not None else line_tax + (refund.shipping_tax or zero)
    seller_taxed = [t for t in order.tax_lines if t.amount.amount]
    if tax.amount and not seller_taxed and order.marketplace_tax is not None:
        seller_tax = zero  # the marketplace refunds the tax it collected and remits
        owed = refund.amount - tax
    else:
        seller_tax, owed = tax, refund.amount
    if seller_tax.amount:
        if not seller_taxed:
            raise InvalidValue("tax", str(seller_tax), "refunded tax but the order has no tax line",
                               record=order.label)  # fmt: skip
        payable = books.account(R.SALES_TAX_PAYABLE, channel)
        shares = seller_tax.allocate([t.amount.amount for t in seller_taxed])
        for tax_line, share in zip(seller_taxed, shares, strict=True):
            code = books.tax_code(channel, tax_line.title)
            out.append(EntryLine(payable, share, tax_code=code, memo=f"refund {tax_line.title}"))
    if (parts + seller_tax).rounded() != owed.rounded():
        raise InvalidValue(
            "refunds",
            str(refund.amount),
            f"refund {refund.external_id}: lines {parts} + tax {seller_tax} != "
            f"{owed} refunded by the seller",
            record=order.label,
        )
    gateway = order.payments[0].gateway if order.payments else None
    out.append(EntryLine(books.account(R.CLEARING, channel, gateway), -owed, memo="refund"))
    return out


def _refund_proportional_entries(
    order: Order, refund: Refund, channel: str, books: Books
) -> list[EntryLine]:
    """Without line detail: tax in the order's tax-to-total proportion."""
    cur = order.currency
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
    return lines


def credit_note_for_refund(order: Order, refund: Refund, channel: str, books: Books) -> Document:
    """Dr what the refund takes back, Cr clearing. With the platform's refund lines
    (quantity, subtotal, tax), shipping refunded and the unallocated rest, each part is
    booked where it was sold; without them, tax in the order's tax-to-total proportion.
    The fee is not returned: Shopify keeps it, so it stays on the fee document."""
    cur = order.currency
    if refund.amount.currency != cur:
        raise InvalidValue("currency", refund.amount.currency, f"order is in {cur}", order.label)
    if not refund.external_id and refund.id is None:
        raise InvalidValue("external_id", None, "a refund needs an id for its key", order.label)
    if order.invoice_hold:
        raise InvalidValue(
            "invoice_hold", order.invoice_hold, "held from invoicing", record=order.label
        )
    detailed = any(rl.subtotal is not None for rl in refund.lines) or any(
        m is not None for m in (refund.shipping, refund.unallocated)
    )
    if detailed:
        lines = _refund_lines_entries(order, refund, channel, books)
    else:
        _ready_to_book(order)  # the proportion needs the order's own totals
        lines = _refund_proportional_entries(order, refund, channel, books)
    lines = [ln for ln in lines if ln.amount.amount]
    rate, source = _rate(order, books)
    doc = Document(
        tenant_id=order.tenant_id,
        connection_id=books.connection_id,
        kind=DocumentKind.CREDIT_NOTE,
        key=credit_note_key(channel, order, refund),
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
