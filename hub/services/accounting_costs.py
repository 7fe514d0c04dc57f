"""Inventory journals in document generation: one per valued movement, keyed by it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from functools import partial

from sqlalchemy.orm import Session

from hub.db.costing_rows import cost_entries, landed_costs, revalue
from hub.domain.document_builders import Books
from hub.domain.documents import Document, DocumentKind
from hub.domain.inventory import MovementKind
from hub.domain.inventory_documents import (
    ValuedMovement,
    inventory_document,
    inventory_key,
    landed_cost_document,
    landed_key,
)
from hub.services.accounting_daily import Emit

__all__ = ["emit_inventory"]


def emit_inventory(session: Session, tenant_id: int, books: Books, emit: Emit) -> None:
    """A journal per receipt with landed costs, and per valued movement the books do not
    have yet. A priced receipt needs
    none (its supplier bill books the same value); a movement without a cost is held
    naming the SKU until a cost is set (`hub inventory set-cost`, then --retry-held)."""
    for lc in landed_costs(session, tenant_id):
        key = landed_key(lc.receipt_id)
        emit(
            key,
            DocumentKind.INVENTORY,
            f"receipt:{lc.receipt_id}",
            lc.received_at.date(),
            partial(
                _one,
                landed_cost_document,
                lc.receipt_id,
                lc.reference,
                lc.received_at.date(),
                lc.costs,
                books,
                tenant_id,
            ),
        )
    for e in cost_entries(session, tenant_id):
        if e.kind == MovementKind.RECEIPT and e.value is not None:
            continue
        if e.value is not None and e.value.amount == 0:
            continue  # nothing to book (a unit cost of zero)
        entry = ValuedMovement(
            inventory_key(e.movement_id, e.id),
            e.sku,
            e.kind,
            e.quantity,
            e.value,
            e.missing,
            e.reason,
            e.reference,
            e.created_at.date(),
        )
        emit(
            entry.key,
            DocumentKind.INVENTORY,
            entry.key.replace("cogs:", "", 1),
            entry.on,
            partial(_build, session, tenant_id, e.id, entry, books),
        )


def _build(
    session: Session, tenant_id: int, entry_id: int, entry: ValuedMovement, books: Books
) -> list[Document]:
    """Built when the books lack it, or rebuilt when held: a movement stored without a
    cost is valued first if its SKU has one by now."""
    if entry.value is None:
        revalue(session, tenant_id, entry_id)
        (fresh,) = [e for e in cost_entries(session, tenant_id, ids=[entry_id])]
        entry = replace(entry, value=fresh.value, missing=fresh.missing)
    return [inventory_document(entry, books, tenant_id)]


def _one(build: Callable[..., Document], *args: object) -> list[Document]:
    return [build(*args)]
