"""A channel's payout as the channel itemises it: every sale, refund, fee (by type),
marketplace-remitted tax, reserve and adjustment that makes up the money paid out.

The lines add up to the net paid out, or the settlement is refused as a whole (a finding
naming the payout and both figures). Sales, refunds and withheld tax were put on the
clearing account by the order's own documents; the settlement's journal moves the rest
(fees, reserves, adjustments) off clearing and the net to the bank, so per payout the
clearing account ends at zero exactly when the channel and the hub agree order by order.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from hub.domain.errors import DomainError, InvalidValue
from hub.domain.money import Money, total

__all__ = [
    "LineKind",
    "OrderDifference",
    "Settlement",
    "SettlementDoesNotAddUp",
    "SettlementLine",
    "UnknownOrder",
    "order_differences",
]


class LineKind(StrEnum):
    SALE = "sale"  # what the buyer paid for an order (a charge), tax included
    REFUND = "refund"  # money given back to a buyer (negative)
    TAX = "tax"  # tax the marketplace withheld to remit itself (negative)
    FEE = "fee"  # a fee the channel kept; `fee_type` says which (negative, or a credit)
    RESERVE = "reserve"  # held back (negative) or released (positive)
    ADJUSTMENT = "adjustment"  # chargebacks, corrections, anything else the channel moved


# Lines the order's own documents already put on clearing: the settlement only settles them.
ORDER_SIDE = frozenset({LineKind.SALE, LineKind.REFUND, LineKind.TAX})


class SettlementDoesNotAddUp(DomainError):
    def __init__(self, record: str, lines: Money, net: Money) -> None:
        super().__init__(
            f"{record}: lines add up to {lines.amount} {net.currency} but the channel paid "
            f"out {net.amount} {net.currency} (difference {(net - lines).amount})"
        )
        self.record, self.lines, self.net = record, lines, net


class UnknownOrder(DomainError):
    def __init__(self, record: str, line: SettlementLine) -> None:
        super().__init__(
            f"{record}: {line.label} names order {line.order!r}, which the hub does not "
            f"have (pull the order, then generate again)"
        )
        self.record, self.line = record, line


@dataclass(frozen=True)
class SettlementLine:
    """One money movement of a payout; positive adds to what is paid out."""

    kind: LineKind
    amount: Money
    order: str | None = None  # the order's external id on the channel, when tied to one
    fee_type: str | None = None  # the channel's own name: "Commission", "FINAL_VALUE_FEE"
    reference: str = ""  # the channel's id of the transaction or event
    description: str = ""

    @property
    def label(self) -> str:
        what = f"{self.kind.value} {self.fee_type}" if self.fee_type else self.kind.value
        ref = f" {self.reference}" if self.reference else ""
        return f"{what}{ref} ({self.amount})"


@dataclass
class Settlement:
    channel: str
    external_id: str
    paid_on: date
    net: Money
    lines: list[SettlementLine] = field(default_factory=list)
    status: str = "paid"  # the channel's word, lower case
    settled: bool = True  # False while scheduled / in transit / open: nothing is booked
    gateway: str | None = None  # the payment gateway whose clearing account it settles
    bank_reference: str = ""  # what the bank statement line is expected to say
    id: int | None = None

    @property
    def label(self) -> str:
        return f"payout {self.channel}:{self.external_id}"

    @property
    def key(self) -> str:
        """The document key (and the `payout` tag of the documents it settles)."""
        return f"{self.channel}:settlement:{self.external_id}"

    @property
    def payout_tag(self) -> str:
        return f"{self.channel}:{self.external_id}"

    def check(self) -> None:
        """Refuse lines in another currency, or lines that do not add up to the net."""
        for line in self.lines:
            if line.amount.currency != self.net.currency:
                raise InvalidValue(
                    "currency",
                    line.amount.currency,
                    f"payout is in {self.net.currency}",
                    f"{self.label} {line.label}",
                )
        added = total([ln.amount for ln in self.lines], self.net.currency)
        if added != self.net:
            raise SettlementDoesNotAddUp(self.label, added, self.net)

    def orders(self) -> list[str]:
        return sorted({ln.order for ln in self.lines if ln.order})

    def per_order(self, kinds: frozenset[LineKind]) -> dict[str, Money]:
        """Per order, the sum of its lines of `kinds` (what the channel says it settled)."""
        sums: dict[str, Money] = {}
        for ln in self.lines:
            if ln.order and ln.kind in kinds:
                sums[ln.order] = sums.get(ln.order, Money.zero(self.net.currency)) + ln.amount
        return sums

    def fees_by_order(self) -> dict[str, dict[str, Money]]:
        """order -> fee type -> amount the channel kept (positive), for reports."""
        out: dict[str, dict[str, Money]] = {}
        for ln in self.lines:
            if ln.kind is LineKind.FEE and ln.order:
                slot = out.setdefault(ln.order, {})
                kind = ln.fee_type or "fee"
                slot[kind] = slot.get(kind, Money.zero(self.net.currency)) - ln.amount
        return out


@dataclass(frozen=True)
class OrderDifference:
    """The channel settled one figure for an order, the hub's documents booked another."""

    payout: str
    order: str
    channel_amount: Money
    hub_amount: Money | None  # None: the hub has no document for the order yet

    @property
    def difference(self) -> Money:
        return self.channel_amount - (self.hub_amount or Money.zero(self.channel_amount.currency))

    def __str__(self) -> str:
        hub = "no document" if self.hub_amount is None else f"{self.hub_amount}"
        return (
            f"{self.payout}: order {self.order}: the channel settled {self.channel_amount}, "
            f"the hub's documents put {hub} on clearing"
        )


def order_differences(
    settlement: Settlement, booked: Mapping[str, Money | None]
) -> Sequence[OrderDifference]:
    """Per order, the channel's sale + refund + withheld-tax lines against what the hub's
    documents put on clearing for that order (`booked`): each disagreement is a finding."""
    out: list[OrderDifference] = []
    for order, amount in sorted(settlement.per_order(ORDER_SIDE).items()):
        hub = booked.get(order)
        if hub is None or hub != amount:
            out.append(OrderDifference(settlement.label, order, amount, hub))
    return out
