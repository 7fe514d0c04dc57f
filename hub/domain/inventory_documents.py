"""Inventory journals: the cost side of stock movements, at the moving average.

| Movement | Lines |
|---|---|
| shipment | Dr cost of goods sold, Cr inventory |
| return to stock | Dr inventory, Cr cost of goods sold (the reverse, at today's average) |
| scrap, count (adjustment) | Dr/Cr inventory, Cr/Dr inventory adjustments (reason in the memo) |
| landed cost of a receipt | Dr inventory, Cr landed costs per kind (freight, duty) |

Receipts are booked by their supplier bill (Dr inventory, Cr payables) at the same
value. A movement without a cost cannot be booked: the document is held naming the SKU.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from hub.domain.costing import MissingCost
from hub.domain.document_builders import Books
from hub.domain.documents import Document, DocumentKind, EntryLine
from hub.domain.inventory import MovementKind
from hub.domain.mappings import AccountRole
from hub.domain.money import Money, total

__all__ = [
    "ValuedMovement",
    "inventory_document",
    "inventory_key",
    "landed_cost_document",
    "landed_key",
]

R = AccountRole
K = MovementKind


@dataclass(frozen=True)
class ValuedMovement:
    """What the journal needs of a valued movement (or an opening valuation)."""

    key: str
    sku: str
    kind: str  # a MovementKind, or "opening"
    quantity: int  # signed: the on-hand change
    value: Money | None
    missing: str | None
    reason: str
    reference: str | None
    on: date


def inventory_key(movement_id: int | None, entry_id: int) -> str:
    return f"cogs:movement:{movement_id}" if movement_id is not None else f"cogs:opening:{entry_id}"


def inventory_document(entry: ValuedMovement, books: Books, tenant_id: int) -> Document:
    if entry.value is None:
        raise MissingCost(entry.sku, f"{entry.missing or 'unknown'} ({entry.key})")
    value = entry.value
    counter_role = (
        R.COGS if entry.kind in (K.SHIPMENT, K.RETURN, K.RECEIPT) else R.INVENTORY_ADJUSTMENTS
    )
    what = f"sku {entry.sku} {entry.quantity:+d}: {entry.kind}"
    memo = f"{what} ({entry.reason})" if entry.reason else what
    if entry.reference:
        memo += f" [{entry.reference}]"
    lines = [
        EntryLine(books.account(R.INVENTORY, ""), value, memo=memo),
        EntryLine(books.account(counter_role, ""), -value, memo=memo),
    ]
    if value.amount < 0:  # debits first, as a person would write it
        lines.reverse()
    doc = Document(
        tenant_id=tenant_id,
        connection_id=books.connection_id,
        kind=DocumentKind.INVENTORY,
        key=entry.key,
        date=entry.on,
        currency=value.currency,
        lines=lines,
        source=entry.key.replace("cogs:", "", 1),
    )
    doc.check_balanced()
    return doc


def landed_cost_document(
    receipt_id: int,
    reference: str,
    on: date,
    costs: Sequence[tuple[str, Money]],
    books: Books,
    tenant_id: int,
) -> Document:
    """What a receipt paid on top of its goods, into the inventory's value (its lines'
    costs carry it) against what is owed for it (the carrier's or customs' bill)."""
    currency = costs[0][1].currency
    landed = books.account(R.LANDED_COSTS, "")
    lines = [
        EntryLine(
            books.account(R.INVENTORY, ""),
            total([a for _, a in costs], currency),
            memo=f"landed cost of {reference}",
        )
    ]
    lines += [EntryLine(landed, -a, memo=f"{kind} on {reference}") for kind, a in costs]
    key = landed_key(receipt_id)
    doc = Document(
        tenant_id=tenant_id,
        connection_id=books.connection_id,
        kind=DocumentKind.INVENTORY,
        key=key,
        date=on,
        currency=currency,
        lines=lines,
        source=f"receipt:{receipt_id}",
    )
    doc.check_balanced()
    return doc


def landed_key(receipt_id: int) -> str:
    return f"cogs:landed:receipt:{receipt_id}"
