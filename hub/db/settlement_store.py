"""Settlements (channel payouts with their lines) and bank lines over one session."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from hub.db.accounting_store import row_document
from hub.db.tables_accounting import accounting_documents
from hub.db.tables_settlements import bank_lines, payout_records, settlement_lines, settlements
from hub.domain.bank_matching import BankLine
from hub.domain.clock import utcnow
from hub.domain.documents import Document, DocumentKind
from hub.domain.money import Money
from hub.domain.settlements import LineKind, Settlement, SettlementLine

__all__ = ["BankLine", "SettlementStore"]

S = settlements.c
L = settlement_lines.c
B = bank_lines.c
R = payout_records.c


class SettlementStore:
    def __init__(self, session: Session, tenant_id: int) -> None:
        self.session = session
        self.tenant_id = tenant_id

    def archive(self, channel_id: int, external_id: str, payload: Mapping[str, Any]) -> bool:
        """Keep the payout as the platform sent it, before mapping; True when it is new or
        differs from the copy kept (then it is mapped again)."""
        plain = _plain(payload)
        found = self.session.execute(
            select(R.id, R.payload).where(R.channel_id == channel_id, R.external_id == external_id)
        ).first()
        if found is not None and found.payload == plain:
            return False
        values = {"payload": plain, "received_at": utcnow(), "mapped_at": None, "error": None}
        if found is None:
            self.session.execute(
                payout_records.insert().values(
                    tenant_id=self.tenant_id,
                    channel_id=channel_id,
                    external_id=external_id,
                    **values,
                )
            )
        else:
            self.session.execute(update(payout_records).where(R.id == found.id).values(**values))
        return True

    def mark(self, channel_id: int, external_id: str, error: str | None) -> None:
        """The archived payout mapped (error None) or refused, with the reason."""
        self.session.execute(
            update(payout_records)
            .where(R.channel_id == channel_id, R.external_id == external_id)
            .values(mapped_at=None if error else utcnow(), error=error)
        )

    def record(self, channel_id: int, external_id: str) -> Any:
        """The archived payout (payload, received_at, mapped_at, error), or None."""
        return self.session.execute(
            select(payout_records).where(R.channel_id == channel_id, R.external_id == external_id)
        ).first()

    def save(self, channel_id: int, settlement: Settlement, raw: Mapping[str, Any]) -> bool:
        """Archive the raw payout and insert or replace (lines and all) its settlement;
        True when it changed. A payout pulled again after it moved from in transit to
        paid takes the new lines."""
        changed = self.archive(channel_id, settlement.external_id, raw)
        found = self.session.execute(
            select(S.id).where(S.channel_id == channel_id, S.external_id == settlement.external_id)
        ).first()
        values = {
            "tenant_id": self.tenant_id,
            "channel_id": channel_id,
            "external_id": settlement.external_id,
            "paid_on": settlement.paid_on,
            "currency": settlement.net.currency,
            "net": settlement.net.amount,
            "status": settlement.status,
            "settled": settlement.settled,
            "gateway": settlement.gateway,
            "bank_reference": settlement.bank_reference,
            "updated_at": utcnow(),
        }
        self.mark(channel_id, settlement.external_id, None)
        if found is not None:
            settlement.id = found.id
            if not changed:
                return False
            self.session.execute(update(settlements).where(S.id == found.id).values(**values))
            self.session.execute(delete(settlement_lines).where(L.settlement_id == found.id))
        else:
            settlement.id = self.session.execute(
                settlements.insert().values(**values).returning(S.id)
            ).scalar_one()
        if settlement.lines:
            self.session.execute(
                settlement_lines.insert(),
                [
                    {
                        "tenant_id": self.tenant_id,
                        "settlement_id": settlement.id,
                        "position": n,
                        "kind": ln.kind,
                        "amount": ln.amount.amount,
                        "order_external_id": ln.order,
                        "fee_type": ln.fee_type,
                        "reference": ln.reference[:200],
                        "description": ln.description[:300],
                    }
                    for n, ln in enumerate(settlement.lines)
                ],
            )
        return True

    def all(
        self,
        channel_names: Mapping[int, str],
        *,
        channel_id: int | None = None,
        settled_only: bool = False,
        skip: Callable[[str], bool] | None = None,
        ids: Collection[int] | None = None,
        paid_from: date | None = None,
        paid_to: date | None = None,
    ) -> list[Settlement]:
        """Settlements with their lines; `skip(key)` leaves out (before their lines are
        read) those a caller has already dealt with, e.g. journals already generated."""
        query = select(settlements).where(S.tenant_id == self.tenant_id)
        if channel_id is not None:
            query = query.where(S.channel_id == channel_id)
        if settled_only:
            query = query.where(S.settled.is_(True))
        if ids is not None:
            query = query.where(S.id.in_(list(ids)))
        if paid_from is not None:
            query = query.where(S.paid_on >= paid_from)
        if paid_to is not None:
            query = query.where(S.paid_on <= paid_to)
        rows = list(self.session.execute(query.order_by(S.paid_on, S.id)))
        if skip is not None:
            rows = [
                r
                for r in rows
                if not skip(Settlement.key_of(channel_names[r.channel_id], r.external_id))
            ]
        lines: dict[int, list[SettlementLine]] = {}
        if rows:
            found = self.session.execute(
                select(settlement_lines, S.currency)
                .join(settlements, S.id == L.settlement_id)
                .where(L.tenant_id == self.tenant_id, L.settlement_id.in_([r.id for r in rows]))
                .order_by(L.settlement_id, L.position)
            )
            for ln in found:
                lines.setdefault(ln.settlement_id, []).append(
                    SettlementLine(
                        LineKind(ln.kind),
                        Money.of(ln.amount, ln.currency),
                        ln.order_external_id,
                        ln.fee_type,
                        ln.reference,
                        ln.description,
                    )
                )
        return [
            Settlement(
                channel=channel_names[r.channel_id],
                external_id=r.external_id,
                paid_on=r.paid_on,
                net=Money.of(r.net, r.currency),
                lines=lines.get(r.id, []),
                status=r.status,
                settled=r.settled,
                gateway=r.gateway,
                bank_reference=r.bank_reference,
                id=r.id,
            )
            for r in rows
        ]

    def bank_line_of(self, settlement_id: int) -> BankLine | None:
        row = self.session.execute(
            select(bank_lines)
            .join(settlements, S.bank_line_id == B.id)
            .where(S.id == settlement_id, S.tenant_id == self.tenant_id)
        ).first()
        return None if row is None else _bank_line(row)

    def untagged_order_keys(self, connection_id: int) -> list[str]:
        """Keys of the connection's order documents (receipts, invoices, credit notes)
        that no payout has tagged yet: few (the orders since the last payout)."""
        d = accounting_documents.c
        kinds = [DocumentKind.SALES_RECEIPT, DocumentKind.SALES_INVOICE, DocumentKind.CREDIT_NOTE]
        return list(
            self.session.scalars(
                select(d.key).where(
                    d.tenant_id == self.tenant_id,
                    d.connection_id == connection_id,
                    d.payout.is_(None),
                    d.kind.in_(kinds),
                )
            )
        )

    def settled_mentioning(
        self, channel_names: Mapping[int, str], orders: Mapping[str, set[str]]
    ) -> list[Settlement]:
        """Settled payouts with a line for one of `orders` (channel -> order ids)."""
        by_name = {name: cid for cid, name in channel_names.items()}
        ids: set[int] = set()
        for channel, wanted in orders.items():
            if channel not in by_name:
                continue
            names = sorted(wanted)
            for start in range(0, len(names), 500):  # bounded IN lists
                ids.update(
                    self.session.scalars(
                        select(L.settlement_id)
                        .join(settlements, S.id == L.settlement_id)
                        .where(
                            S.tenant_id == self.tenant_id,
                            S.channel_id == by_name[channel],
                            S.settled.is_(True),
                            L.order_external_id.in_(names[start : start + 500]),
                        )
                    )
                )
        if not ids:
            return []
        return self.all(channel_names, settled_only=True, ids=ids)

    def documents_of(self, connection_id: int, payout_tag: str) -> list[Document]:
        """The connection's documents a payout settles (its journal among them)."""
        d = accounting_documents.c
        rows = self.session.execute(
            select(accounting_documents)
            .where(d.tenant_id == self.tenant_id, d.connection_id == connection_id)
            .where(d.payout == payout_tag)
            .order_by(d.id)
        )
        return [row_document(r) for r in rows]

    # ---- bank lines ----------------------------------------------------------------------

    def add_bank_lines(self, found: Sequence[BankLine]) -> int:
        """Store statement lines not seen before (by fingerprint); the count added."""
        if not found:
            return 0
        have = set(
            self.session.scalars(
                select(B.fingerprint).where(
                    B.tenant_id == self.tenant_id, B.fingerprint.in_([b.fingerprint for b in found])
                )
            )
        )
        fresh = {b.fingerprint: b for b in found if b.fingerprint not in have}
        if fresh:
            self.session.execute(
                bank_lines.insert(),
                [
                    {
                        "tenant_id": self.tenant_id,
                        "account": b.account,
                        "booked_on": b.booked_on,
                        "currency": b.amount.currency,
                        "amount": b.amount.amount,
                        "reference": b.reference[:300],
                        "fingerprint": b.fingerprint,
                        "imported_at": utcnow(),
                    }
                    for b in fresh.values()
                ],
            )
        return len(fresh)

    def unmatched_bank_lines(self) -> list[BankLine]:
        taken = select(S.bank_line_id).where(
            S.tenant_id == self.tenant_id, S.bank_line_id.is_not(None)
        )
        rows = self.session.execute(
            select(bank_lines)
            .where(B.tenant_id == self.tenant_id, B.id.not_in(taken))
            .order_by(B.booked_on, B.id)
        )
        return [_bank_line(r) for r in rows]

    def match(self, settlement_id: int, bank_line_id: int) -> None:
        self.session.execute(
            update(settlements)
            .where(S.id == settlement_id, S.tenant_id == self.tenant_id)
            .values(bank_line_id=bank_line_id)
        )


def _bank_line(row: Any) -> BankLine:
    return BankLine(
        row.account,
        row.booked_on,
        Money.of(Decimal(row.amount), row.currency),
        row.reference,
        row.fingerprint,
        row.id,
    )


def _plain(value: Any) -> Any:
    """JSON-storable and comparable: Decimals parsed from the platform's numbers as text."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, int | float | str | bool) or value is None:
        return value
    return str(value)
