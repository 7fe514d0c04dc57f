"""Accounting documents, posting policies and payouts over one session (Core, in bulk)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from hub.db.tables_accounting import accounting_documents, accounting_policies, payouts
from hub.domain.clock import utcnow
from hub.domain.document_builders import FeeLine, Payout
from hub.domain.documents import (
    Document,
    DocumentStatus,
    EntryLine,
    LockPolicy,
    PostingPoint,
    SummaryMode,
)
from hub.domain.errors import NotFound
from hub.domain.money import Money

__all__ = ["DocumentStore", "PostingPolicy", "document_row", "row_document"]

D = accounting_documents.c


@dataclass(frozen=True)
class PostingPolicy:
    connection_id: int
    home_currency: str
    bank_account: str
    posting_point: PostingPoint = PostingPoint.PAYMENT
    currencies: Sequence[str] = field(default_factory=tuple)
    lock_date: date | None = None
    lock_policy: LockPolicy = LockPolicy.SHIFT
    summary: SummaryMode = SummaryMode.PER_ORDER


def document_row(doc: Document) -> dict[str, Any]:
    return {
        "tenant_id": doc.tenant_id,
        "connection_id": doc.connection_id,
        "kind": doc.kind,
        "key": doc.key,
        "date": doc.date,
        "currency": doc.currency,
        "total": doc.total.amount if doc.lines else Decimal(0),
        "lines": doc.line_records(),
        "party": doc.party,
        "source": doc.source,
        "payout": doc.payout,
        "fx_rate": None if doc.fx_rate is None else str(doc.fx_rate),
        "fx_source": doc.fx_source,
        "status": doc.status,
        "hold_reason": doc.hold_reason,
        "flags": list(doc.flags),
        "external_id": doc.external_id,
        "generation": doc.generation,
        "members": list(doc.members),
        "attempts": doc.attempts,
        "posted_at": doc.posted_at,
    }


def row_document(r: Any) -> Document:
    cur = r.currency
    return Document(
        tenant_id=r.tenant_id,
        connection_id=r.connection_id,
        kind=r.kind,
        key=r.key,
        date=r.date,
        currency=cur,
        lines=[
            EntryLine(
                ln["account"], Money.of(ln["amount"], cur), ln.get("tax_code"), ln.get("memo", "")
            )
            for ln in r.lines
        ],
        party=r.party,
        source=r.source,
        payout=r.payout,
        fx_rate=None if r.fx_rate is None else Decimal(r.fx_rate),
        fx_source=r.fx_source,
        status=r.status,
        hold_reason=r.hold_reason,
        flags=list(r.flags),
        external_id=r.external_id,
        generation=r.generation,
        members=list(r.members or []),
        attempts=r.attempts,
        posted_at=r.posted_at,
        id=r.id,
    )


class DocumentStore:
    def __init__(self, session: Session, tenant_id: int) -> None:
        self.session = session
        self.tenant_id = tenant_id

    # ---- policies ----------------------------------------------------------------------

    def policy(self, connection_id: int) -> PostingPolicy:
        p = accounting_policies.c
        row = self.session.execute(
            select(accounting_policies).where(
                p.tenant_id == self.tenant_id, p.connection_id == connection_id
            )
        ).first()
        if row is None:
            raise NotFound("posting policy", f"connection #{connection_id}", "connection")
        return PostingPolicy(
            row.connection_id,
            row.home_currency,
            row.bank_account,
            row.posting_point,
            tuple(row.currencies),
            row.lock_date,
            row.lock_policy,
            row.summary,
        )

    def save_policy(self, policy: PostingPolicy) -> None:
        p = accounting_policies.c
        values = {
            "home_currency": policy.home_currency,
            "currencies": list(policy.currencies),
            "bank_account": policy.bank_account,
            "posting_point": policy.posting_point,
            "lock_date": policy.lock_date,
            "lock_policy": policy.lock_policy,
            "summary": policy.summary,
        }
        changed = self.session.execute(
            update(accounting_policies)
            .where(p.tenant_id == self.tenant_id, p.connection_id == policy.connection_id)
            .values(**values)
        )
        if changed.rowcount == 0:  # type: ignore[attr-defined]
            self.session.execute(
                accounting_policies.insert().values(
                    tenant_id=self.tenant_id, connection_id=policy.connection_id, **values
                )
            )

    # ---- documents ---------------------------------------------------------------------

    def _where(self, connection_id: int) -> Any:
        return select(accounting_documents).where(
            D.tenant_id == self.tenant_id, D.connection_id == connection_id
        )

    def keys(self, connection_id: int) -> set[str]:
        rows = self.session.execute(
            select(D.key).where(D.tenant_id == self.tenant_id, D.connection_id == connection_id)
        )
        return {r[0] for r in rows}

    def add(self, doc: Document) -> int:
        row = document_row(doc) | {"created_at": utcnow()}
        new_id = self.session.execute(
            accounting_documents.insert().values(**row).returning(D.id)
        ).scalar_one()
        doc.id = int(new_id)
        return doc.id

    def get(self, document_id: int, *, lock: bool = False) -> Document:
        query = select(accounting_documents).where(
            D.tenant_id == self.tenant_id, D.id == document_id
        )
        row = self.session.execute(query.with_for_update() if lock else query).first()
        if row is None:
            raise NotFound("accounting document", document_id, "id")
        return row_document(row)

    def claim(self, doc: Document, until: datetime, now: datetime) -> bool:
        """Save `doc` and take its posting lease in one statement, unless another worker
        holds an unexpired lease (then nothing changes)."""
        assert doc.id is not None
        free = (D.claimed_until.is_(None)) | (D.claimed_until < now)
        taken = self.session.execute(
            update(accounting_documents)
            .where(D.tenant_id == self.tenant_id, D.id == doc.id, free)
            .values(**document_row(doc), claimed_until=until)
        )
        return bool(taken.rowcount)  # type: ignore[attr-defined]

    def mark_posted(self, document_id: int, external_id: str, at: datetime) -> None:
        self.session.execute(
            update(accounting_documents)
            .where(D.tenant_id == self.tenant_id, D.id == document_id)
            .values(
                status=DocumentStatus.POSTED,
                external_id=external_id,
                posted_at=at,
                hold_reason=None,
                claimed_until=None,
            )
        )

    def release(self, document_id: int) -> None:
        self.session.execute(
            update(accounting_documents)
            .where(D.tenant_id == self.tenant_id, D.id == document_id)
            .values(claimed_until=None)
        )

    def by_key(self, connection_id: int, key: str) -> Document | None:
        row = self.session.execute(self._where(connection_id).where(D.key == key)).first()
        return None if row is None else row_document(row)

    def save(self, doc: Document) -> None:
        assert doc.id is not None
        row = document_row(doc)
        self.session.execute(
            update(accounting_documents)
            .where(D.tenant_id == self.tenant_id, D.id == doc.id)
            .values(**row)
        )

    def documents(
        self,
        connection_id: int,
        *,
        statuses: Iterable[DocumentStatus] | None = None,
        start: date | None = None,
        end: date | None = None,
        keys: Iterable[str] | None = None,
    ) -> list[Document]:
        query = self._where(connection_id)
        if statuses is not None:
            query = query.where(D.status.in_([s.value for s in statuses]))
        if start is not None:
            query = query.where(D.date >= start)
        if end is not None:
            query = query.where(D.date <= end)
        if keys is not None:
            query = query.where(D.key.in_(list(keys)))
        return [row_document(r) for r in self.session.execute(query.order_by(D.id))]

    def link_payout(self, connection_id: int, keys: Sequence[str], payout: str) -> None:
        self.session.execute(
            update(accounting_documents)
            .where(D.tenant_id == self.tenant_id, D.connection_id == connection_id)
            .where(D.key.in_(list(keys)))
            .values(payout=payout)
        )

    # ---- payouts -----------------------------------------------------------------------

    def add_payout(self, channel_id: int, payout: Payout) -> None:
        self.session.execute(
            payouts.insert().values(
                tenant_id=self.tenant_id,
                channel_id=channel_id,
                external_id=payout.external_id,
                paid_on=payout.paid_on,
                currency=payout.net.currency,
                net=payout.net.amount,
                fees=[
                    {"description": f.description, "amount": str(f.amount.amount)}
                    for f in payout.fees
                ],
                orders=list(payout.orders),
                refunds=[list(pair) for pair in payout.refunds],
                created_at=utcnow(),
            )
        )

    def payouts(self, channel_names: dict[int, str]) -> list[Payout]:
        p = payouts.c
        rows = self.session.execute(select(payouts).where(p.tenant_id == self.tenant_id))
        return [
            Payout(
                channel=channel_names[r.channel_id],
                external_id=r.external_id,
                paid_on=r.paid_on,
                net=Money.of(r.net, r.currency),
                fees=[
                    FeeLine(f["description"], Money(Decimal(f["amount"]), r.currency))
                    for f in r.fees
                ],
                orders=list(r.orders),
                refunds=[(o, f) for o, f in r.refunds],
            )
            for r in rows
        ]
