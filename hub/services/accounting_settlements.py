"""Settled payouts pulled from the channels -> their journals, during document generation.

Each settled payout gives one journal (built whole or held whole, with the reason), and
tags the documents it settles (the orders it names, and their credit notes when it
carries a refund for that order) with the payout, so reconciliation can show clearing
per payout."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import partial

from hub.db.accounting_store import DocumentStore
from hub.db.settlement_store import SettlementStore
from hub.domain.document_builders import Books, order_key
from hub.domain.documents import Document, DocumentKind
from hub.domain.settlement_documents import settlement_document
from hub.domain.settlements import LineKind, Settlement
from hub.services.accounting_daily import Emit

__all__ = ["OrderKeys", "emit_settlements"]

# channel -> order external id -> keys of the order's credit notes
OrderKeys = Mapping[str, Mapping[str, Sequence[str]]]


def emit_settlements(
    store: DocumentStore,
    connection_id: int,
    channels: Mapping[int, str],
    orders: OrderKeys,
    books: Books,
    emit: Emit,
) -> None:
    for settlement in SettlementStore(store.session, store.tenant_id).all(channels):
        if not settlement.settled:
            continue  # scheduled / in transit / open: the channel may still change it
        known = orders.get(settlement.channel, {})
        store.link_payout(connection_id, settled_keys(settlement, known), settlement.payout_tag)
        emit(
            settlement.key,
            DocumentKind.PAYOUT,
            f"settlement:{settlement.payout_tag}",
            settlement.paid_on,
            partial(_journal, settlement, books, store.tenant_id, list(known)),
        )


def settled_keys(settlement: Settlement, known: Mapping[str, Sequence[str]]) -> list[str]:
    refunded = {ln.order for ln in settlement.lines if ln.kind is LineKind.REFUND}
    keys: list[str] = []
    for order in settlement.orders():
        if order not in known:
            continue
        if any(ln.order == order and ln.kind is LineKind.SALE for ln in settlement.lines):
            keys.append(order_key(settlement.channel, order))
        if order in refunded:
            keys += known[order]
    return keys


def _journal(
    settlement: Settlement, books: Books, tenant_id: int, known: list[str]
) -> list[Document]:
    return [settlement_document(settlement, books, tenant_id, set(known))]
