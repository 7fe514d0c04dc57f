"""A settled payout -> one balanced journal, built whole or refused whole.

Dr the fee account per fee line (memo: fee type and order), Dr/Cr the reserve account
per reserve line, Dr/Cr payout adjustments per adjustment, Dr bank the net, Cr/Dr
clearing for each of them. Sales, refunds and withheld tax are not booked again: the
orders' own documents put them on clearing, and this journal takes exactly that much
off (the lines add up to the net), so clearing per payout is zero when both agree.
"""

from __future__ import annotations

from collections.abc import Collection

from hub.domain.document_builders import Books
from hub.domain.documents import Document, DocumentKind, EntryLine
from hub.domain.mappings import AccountRole
from hub.domain.settlements import ORDER_SIDE, LineKind, Settlement, UnknownOrder

__all__ = ["settlement_document"]

R = AccountRole
_ROLE = {
    LineKind.FEE: R.MARKETPLACE_FEES,
    LineKind.RESERVE: R.PAYOUT_RESERVE,
    LineKind.ADJUSTMENT: R.PAYOUT_ADJUSTMENTS,
}


def settlement_document(
    settlement: Settlement, books: Books, tenant_id: int, known_orders: Collection[str]
) -> Document:
    """The payout's journal. Raises (so the whole payout is held, with the reason) when
    the lines do not add up, a line names an order the hub lacks, or a role is unmapped."""
    settlement.check()
    for line in settlement.lines:
        if line.order and line.order not in known_orders:
            raise UnknownOrder(settlement.label, line)
    channel = settlement.channel
    clearing = books.account(R.CLEARING, channel, settlement.gateway)
    entries: list[EntryLine] = []
    for line in settlement.lines:
        if line.kind in ORDER_SIDE or not line.amount.amount:
            continue
        memo = line.fee_type or line.description or line.kind.value
        if line.order:
            memo = f"{memo} order {line.order}"
        # The channel kept (negative) or added (positive) this much: the other side of
        # clearing is the line's own account.
        entries.append(EntryLine(books.account(_ROLE[line.kind], channel), -line.amount, memo=memo))
        entries.append(EntryLine(clearing, line.amount, memo=memo))
    memo = f"payout {settlement.external_id}"
    if settlement.bank_reference:
        memo += f" ref {settlement.bank_reference}"
    entries.append(EntryLine(books.bank_account, settlement.net, memo=memo))
    entries.append(EntryLine(clearing, -settlement.net, memo=memo))
    doc = Document(
        tenant_id=tenant_id,
        connection_id=books.connection_id,
        kind=DocumentKind.PAYOUT,
        key=settlement.key,
        date=settlement.paid_on,
        currency=settlement.net.currency,
        lines=[e for e in entries if e.amount.amount],
        party=channel,
        source=f"settlement:{settlement.payout_tag}",
        payout=settlement.payout_tag,
    )
    doc.check_balanced()
    return doc
