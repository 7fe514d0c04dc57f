"""What a platform update says happened to an order since the hub last looked: a pure diff.

The hub keeps what it already applied (`Held`); a platform update is the platform's whole
current picture of the order (an `Order` from the connector's mapper). `diff` names each
fact that is new, once: payments and refunds by their platform ids, units shipped per line
by count (the platform's shipped units against what the hub already counts as shipped),
a cancellation, line edits. Applying the same update again, or an older picture after a
newer one, finds nothing new: every fact is a set member or a monotone count.

`diff` refuses, before anything is applied, an update whose facts cannot be true together:
a refund of more than was paid, more units refunded or shipped than ordered, a refund of a
line the order does not have, an edit below what already shipped. The error names the
order and the line; the caller applies nothing of that update.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from hub.domain.errors import InvalidValue
from hub.domain.money import Money
from hub.domain.orders import (
    FinancialStatus,
    FulfillmentStatus,
    Order,
    OrderLine,
    OrderStatus,
    Payment,
    Refund,
)

__all__ = [
    "Changes",
    "Held",
    "HeldLine",
    "diff",
    "line_key",
    "payment_key",
    "platform_shipped",
    "refund_key",
]


def payment_key(payment: Payment) -> str:
    """The payment's identity: the platform's id, else what it says (gateway, amount, time)."""
    if payment.external_id:
        return payment.external_id
    when = payment.processed_at.isoformat() if payment.processed_at else ""
    return f"{payment.gateway}:{payment.amount}:{when}"


def refund_key(refund: Refund) -> str:
    """The refund's identity: the platform's id, else its amount and time."""
    return refund.external_id or f"{refund.amount}@{refund.created_at.isoformat()}"


def line_key(line: OrderLine) -> str:
    """A line is the same line across updates by the platform's line id (else its SKU key)."""
    return line.external_id or line.mapping_key or ""


@dataclass
class HeldLine:
    """One stored line as the hub counts it."""

    line_id: int
    quantity: int  # ordered
    shipped: int  # units counted as shipped: before the hub held them, plus the hub's own
    cancelled: int  # units that will never ship (refunded before shipping, removed)
    refunded: int  # units in stored refunds

    @property
    def open(self) -> int:
        """Units still to ship."""
        return max(self.quantity - self.shipped - self.cancelled, 0)


@dataclass
class Held:
    """What the hub holds of one order."""

    label: str
    status: OrderStatus
    currency: str
    lines: dict[str, HeldLine]
    payments: set[str] = field(default_factory=set)
    refunds: set[str] = field(default_factory=set)
    paid: Decimal | None = None  # sum of stored payments; None: none stored
    refunded: Decimal = Decimal(0)
    financial_status: FinancialStatus | None = None


@dataclass
class Changes:
    payments: list[Payment] = field(default_factory=list)
    financial_status: FinancialStatus | None = None  # set when it changed
    refunds: list[Refund] = field(default_factory=list)
    shipments: dict[str, int] = field(default_factory=dict)  # line key -> units shipped now
    cancel: bool = False
    quantities: dict[str, int] = field(default_factory=dict)  # line key -> new quantity
    removed: list[str] = field(default_factory=list)  # line keys
    added: list[OrderLine] = field(default_factory=list)
    release_all: bool = False  # refunded in full before shipping: nothing will ship
    # Set by the applier: nothing applied yet, the order needs its stock reserved first.
    deferred: bool = False

    @property
    def lines_edited(self) -> bool:
        return bool(self.quantities or self.removed or self.added)

    @property
    def nothing(self) -> bool:
        return not (
            self.payments
            or self.financial_status
            or self.refunds
            or self.shipments
            or self.cancel
            or self.release_all
            or self.lines_edited
        )


def platform_shipped(incoming: Order) -> dict[str, int]:
    """Units the platform says left, per line key. A platform that states no per-line count
    (WooCommerce) but calls the whole order fulfilled has shipped every line whole."""
    stated = {line_key(line): line.quantity_shipped for line in incoming.lines}
    if incoming.fulfillment_status is FulfillmentStatus.FULFILLED and not any(stated.values()):
        return {line_key(line): line.quantity for line in incoming.lines}
    return stated


_CANCELLED = (OrderStatus.CANCELLED, OrderStatus.REFUNDED)


def diff(held: Held, incoming: Order) -> Changes:
    """The facts in `incoming` the hub has not applied yet; raises InvalidValue naming the
    order and line when the update cannot be applied whole."""
    changes = Changes()
    changes.payments = [p for p in incoming.payments if payment_key(p) not in held.payments]
    if incoming.financial_status is not None and incoming.financial_status != held.financial_status:
        changes.financial_status = incoming.financial_status
    changes.refunds = [r for r in incoming.refunds if refund_key(r) not in held.refunds]
    _edits(held, incoming, changes)
    _check_refunds(held, incoming, changes)
    shipped = platform_shipped(incoming)
    for key, units in shipped.items():
        line = held.lines.get(key)
        if line is None or units <= line.shipped:
            continue  # a new line is handled as an edit; fewer shipped: never un-ships
        ordered = changes.quantities.get(key, line.quantity) - line.cancelled
        if units > ordered:
            raise InvalidValue(
                "quantity_shipped",
                units,
                f"shipped more than the {ordered} units ordered and not cancelled",
                record=f"{held.label} line {key}",
            )
        changes.shipments[key] = units - line.shipped
    cancelled = incoming.cancelled_at is not None or incoming.status is OrderStatus.CANCELLED
    changes.cancel = cancelled and held.status not in _CANCELLED
    # Refunded in full before anything shipped (WooCommerce "refunded" without line
    # detail): nothing of it will ship, so its stock goes back, though it is no
    # cancellation for the books (the money was taken, then refunded).
    nothing_shipped = not any(shipped.values()) and not any(
        line.shipped for line in held.lines.values()
    )
    changes.release_all = (
        not changes.cancel
        and incoming.status is OrderStatus.REFUNDED
        and nothing_shipped
        and held.status not in _CANCELLED
    )
    return changes


def _edits(held: Held, incoming: Order, changes: Changes) -> None:
    keys = {line_key(line) for line in incoming.lines}
    for line in incoming.lines:
        key = line_key(line)
        stored = held.lines.get(key)
        if stored is None:
            changes.added.append(line)
        elif line.quantity != stored.quantity:
            floor = stored.shipped + stored.cancelled
            if line.quantity < floor:
                raise InvalidValue(
                    "quantity",
                    line.quantity,
                    f"lowered below the {floor} units already shipped or cancelled",
                    record=f"{held.label} line {key}",
                )
            changes.quantities[key] = line.quantity
    for key, stored in held.lines.items():
        if key not in keys and stored.open > 0:
            changes.removed.append(key)


def _check_refunds(held: Held, incoming: Order, changes: Changes) -> None:
    if not changes.refunds:
        return
    refunded = {key: line.refunded for key, line in held.lines.items()}
    ordered = {key: line.quantity for key, line in held.lines.items()}
    ordered.update(changes.quantities)
    ordered.update({line_key(line): line.quantity for line in changes.added})
    for refund in changes.refunds:
        where = f"{held.label} refund {refund_key(refund)}"
        if refund.amount.currency != held.currency:
            raise InvalidValue("amount", str(refund.amount), f"not in {held.currency}", where)
        for part in refund.lines:
            key = part.line_external_id or ""
            if key not in ordered:
                raise InvalidValue(
                    "line_external_id", key, "not a line of this order", record=where
                )
            refunded[key] = refunded.get(key, 0) + part.quantity
            if refunded[key] > ordered[key]:
                raise InvalidValue(
                    "quantity",
                    refunded[key],
                    f"refunds more units than the {ordered[key]} ordered",
                    record=f"{held.label} line {key} (refund {refund_key(refund)})",
                )
    paid = held.paid
    if changes.payments:
        paid = (paid or Decimal(0)) + sum((p.amount.amount for p in changes.payments), Decimal(0))
    stated = incoming.stated_totals.total if incoming.stated_totals else None
    ceiling = paid if paid is not None else (stated.amount if stated is not None else None)
    if ceiling is None:
        return  # neither payments nor a total stated: nothing to compare with
    total = held.refunded + sum((r.amount.amount for r in changes.refunds), Decimal(0))
    if total > ceiling:
        raise InvalidValue(
            "amount",
            str(Money(total, held.currency)),
            f"refunds more than the {Money(ceiling, held.currency)} paid",
            record=f"{held.label} refund {refund_key(changes.refunds[-1])}",
        )
