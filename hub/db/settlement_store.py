"""Settlements (channel payouts with their lines) and bank lines over one session."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from hub.db.tables_settlements import bank_lines, settlement_lines, settlements
from hub.domain.clock import utcnow
from hub.domain.money import Money
from hub.domain.settlements import LineKind, Settlement, SettlementLine

__all__ = ["BankLine", "SettlementStore"]

S = settlements.c
L = settlement_lines.c
B = bank_lines.c


@dataclass(frozen=True)
class BankLine:
    account: str
    booked_on: date
    amount: Money
    reference: str
    fingerprint: str
    id: int | None = None


class SettlementStore:
    def __init__(self, session: Session, tenant_id: int) -> None:
        self.session = session
        self.tenant_id = tenant_id

    def save(self, channel_id: int, settlement: Settlement, raw: Mapping[str, Any]) -> bool:
        """Insert or replace (lines and all) the channel's payout; True when it changed.
        A payout pulled again after it moved from in transit to paid takes the new lines."""
        found = self.session.execute(
            select(S.id, S.raw, S.status).where(
                S.channel_id == channel_id, S.external_id == settlement.external_id
            )
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
            "raw": dict(raw),
            "updated_at": utcnow(),
        }
        if found is not None:
            if found.raw == dict(raw) and found.status == settlement.status:
                settlement.id = found.id
                return False
            self.session.execute(update(settlements).where(S.id == found.id).values(**values))
            self.session.execute(delete(settlement_lines).where(L.settlement_id == found.id))
            settlement.id = found.id
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
        self, channel_names: Mapping[int, str], *, channel_id: int | None = None
    ) -> list[Settlement]:
        query = select(settlements).where(S.tenant_id == self.tenant_id)
        if channel_id is not None:
            query = query.where(S.channel_id == channel_id)
        rows = list(self.session.execute(query.order_by(S.paid_on, S.id)))
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
