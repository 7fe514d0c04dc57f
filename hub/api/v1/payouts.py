"""Channel payouts for the finance role: the payouts pulled so far and, against a books
connection, the payout clearing report. Read-only: pulling and bank statements go
through `hub payouts`."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from hub.api.v1.deps import CallerDep, HubDep, PageDep, paged
from hub.services import payouts

router = APIRouter(prefix="/api/v1/payouts", tags=["payouts"])

ChannelQ = Annotated[str | None, Query(max_length=200, description="Only this channel.")]
BooksQ = Annotated[
    str | None,
    Query(max_length=200, description="A books connection: adds clearing and bank status."),
]


PayoutQ = Annotated[
    str | None,
    Query(max_length=200, description="One payout by the channel's id (with `channel`)."),
]


@router.get("")
def list_payouts(
    hub: HubDep,
    who: CallerDep,
    page: PageDep,
    channel: ChannelQ = None,
    books: BooksQ = None,
    payout: PayoutQ = None,
) -> dict[str, Any]:
    """Payouts oldest first. With `books`: each one whole against that connection (lines,
    fees and marketplace tax per order, journal, clearing left, bank line, findings).
    Payout ids such as Shopify GIDs go in the query, never the path."""
    if books:
        views = payouts.payout_status(hub.uow(who.tenant_id), books, channel, payout)
        rows = [v.as_dict() for v in views]
    else:
        found = payouts.list_payouts(hub.uow(who.tenant_id), channel)
        rows = [
            {
                "channel": s.channel,
                "payout": s.external_id,
                "paid_on": s.paid_on.isoformat(),
                "net": str(s.net.amount),
                "currency": s.net.currency,
                "status": s.status,
                "settled": s.settled,
                "lines": len(s.lines),
            }
            for s in found
            if payout is None or s.external_id == payout
        ]
    return paged(rows[page.offset : page.offset + page.limit], page, len(rows))
