"""The stock ledger: balances per (warehouse, SKU, lot) and the movements that explain them.

A balance never changes except by appending a Movement, and each movement kind moves
on_hand and reserved by a fixed rule (MOVEMENT_EFFECTS). That makes "balances equal the
sum of movements" checkable at any time (see hub.services.inventory.verify_ledger).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from hub.domain.clock import utcnow
from hub.domain.errors import InsufficientStock, InvalidValue

NO_LOT = ""  # stock that is not lot-tracked lives under the empty lot code


class MovementKind(StrEnum):
    RECEIPT = "receipt"
    SHIPMENT = "shipment"
    RESERVATION = "reservation"
    RELEASE = "release"
    ADJUSTMENT = "adjustment"
    TRANSFER_OUT = "transfer_out"
    TRANSFER_IN = "transfer_in"
    RETURN = "return"
    SCRAP = "scrap"


K = MovementKind

# (on_hand sign, reserved sign) per unit of quantity. Adjustment is signed by its delta.
MOVEMENT_EFFECTS: dict[MovementKind, tuple[int, int]] = {
    K.RECEIPT: (+1, 0),
    K.SHIPMENT: (-1, -1),  # commits a reservation: the goods leave and the promise is kept
    K.RESERVATION: (0, +1),
    K.RELEASE: (0, -1),
    K.ADJUSTMENT: (+1, 0),
    K.TRANSFER_OUT: (-1, 0),
    K.TRANSFER_IN: (+1, 0),
    K.RETURN: (+1, 0),
    K.SCRAP: (-1, 0),
}


@dataclass(eq=False)
class Movement:
    tenant_id: int
    kind: MovementKind
    warehouse_id: int
    sku_id: int
    lot_code: str
    quantity: int
    on_hand_delta: int
    reserved_delta: int
    actor: str
    reason: str
    reference: str | None = None
    created_at: datetime = field(default_factory=utcnow)
    id: int | None = None


@dataclass(eq=False)
class Lot:
    tenant_id: int
    sku_id: int
    code: str
    expires_on: date | None = None
    id: int | None = None

    def expired(self, today: date) -> bool:
        return lot_expired(self.expires_on, today)


def lot_expired(expires_on: date | None, today: date) -> bool:
    """A lot is sellable up to and including its expiry date; undated lots never expire."""
    return expires_on is not None and expires_on < today


def sellable(available: int, expires_on: date | None, today: date) -> int:
    """What a balance may promise to channels: nothing once its lot has expired (the
    units stay on hand, for scrapping or a supplier return, but are never sold)."""
    return 0 if lot_expired(expires_on, today) else available


@dataclass(eq=False)
class StockLevel:
    tenant_id: int
    warehouse_id: int
    sku_id: int
    lot_code: str = NO_LOT
    on_hand: int = 0
    reserved: int = 0
    safety_stock: int = 0
    reorder_point: int = 0
    id: int | None = None

    @property
    def label(self) -> str:
        lot = f" lot {self.lot_code}" if self.lot_code else ""
        names = getattr(self, "_names", None)
        where = names or f"warehouse #{self.warehouse_id} sku #{self.sku_id}"
        return f"{where}{lot}"

    def name_for_messages(self, warehouse_code: str, sku_code: str) -> None:
        """Let refusals say 'warehouse BER sku TENT-2P' instead of row ids."""
        self._names = f"warehouse {warehouse_code} sku {sku_code}"

    @property
    def free(self) -> int:
        """Units on hand that no order has claimed."""
        return self.on_hand - self.reserved

    @property
    def available(self) -> int:
        """What may be promised to channels: on_hand - reserved - safety_stock, floor 0."""
        return max(0, self.on_hand - self.reserved - self.safety_stock)

    def move(
        self,
        kind: MovementKind,
        quantity: int,
        *,
        actor: str,
        reason: str,
        reference: str | None = None,
    ) -> Movement:
        """Apply one movement to this balance and return the ledger row that records it.

        ``quantity`` is positive for every kind except ADJUSTMENT, where it is the signed
        delta. The balance is left untouched when the change is refused.
        """
        if isinstance(quantity, bool) or not isinstance(quantity, int):
            raise InvalidValue("quantity", quantity, "must be a whole number", record=self.label)
        if kind is MovementKind.ADJUSTMENT:
            if quantity == 0:
                raise InvalidValue(
                    "quantity", quantity, "an adjustment must change the count", record=self.label
                )
        elif quantity <= 0:
            raise InvalidValue("quantity", quantity, "must be greater than 0", record=self.label)
        if not actor:
            raise InvalidValue(
                "actor", actor, "every movement names who made it", record=self.label
            )
        on_hand_sign, reserved_sign = MOVEMENT_EFFECTS[kind]
        on_hand_delta = on_hand_sign * quantity
        reserved_delta = reserved_sign * quantity
        self._check(kind, self.on_hand + on_hand_delta, self.reserved + reserved_delta)
        self.on_hand += on_hand_delta
        self.reserved += reserved_delta
        return Movement(
            tenant_id=self.tenant_id,
            kind=kind,
            warehouse_id=self.warehouse_id,
            sku_id=self.sku_id,
            lot_code=self.lot_code,
            quantity=abs(quantity),
            on_hand_delta=on_hand_delta,
            reserved_delta=reserved_delta,
            actor=actor,
            reason=reason,
            reference=reference,
        )

    def _check(self, kind: MovementKind, on_hand: int, reserved: int) -> None:
        if reserved < 0:
            raise InsufficientStock(self.label, "reserved", self.reserved, self.reserved - reserved)
        if on_hand < 0:
            raise InsufficientStock(self.label, "on_hand", self.on_hand, self.on_hand - on_hand)
        if reserved > on_hand:
            # Taking stock that orders were promised would oversell them; the caller must
            # release or re-allocate those reservations first.
            if kind is K.RESERVATION:
                wanted = reserved - self.reserved
            else:
                wanted = self.on_hand - on_hand
            raise InsufficientStock(self.label, "free (on_hand - reserved)", self.free, wanted)

    def set_safety_stock(self, quantity: int) -> None:
        if quantity < 0:
            raise InvalidValue("safety_stock", quantity, "must not be negative", record=self.label)
        self.safety_stock = quantity


def count_delta(level: StockLevel, counted: int) -> int:
    """A cycle count gives an absolute number; the ledger wants the difference."""
    if isinstance(counted, bool) or not isinstance(counted, int) or counted < 0:
        raise InvalidValue("counted", counted, "must be a whole number >= 0", record=level.label)
    return counted - level.on_hand


@dataclass(eq=False)
class Reservation:
    """Stock promised to one order line from one (warehouse, lot). Shipping commits it."""

    tenant_id: int
    order_line_id: int
    warehouse_id: int
    sku_id: int
    quantity: int
    lot_code: str = NO_LOT
    created_at: datetime = field(default_factory=utcnow)
    id: int | None = None
