"""Suppliers, purchase orders and the receipts that bring their goods into stock."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from hub.domain.catalog import check_code
from hub.domain.clock import utcnow
from hub.domain.errors import CurrencyMismatch, IllegalTransition, InvalidValue, NotFound
from hub.domain.inventory import NO_LOT
from hub.domain.money import Money, total


@dataclass(eq=False)
class Supplier:
    tenant_id: int
    code: str
    name: str
    currency: str = "USD"
    lead_time_days: int = 7
    id: int | None = None

    def __post_init__(self) -> None:
        check_code("supplier", "code", self.code)


class PurchaseOrderStatus(StrEnum):
    DRAFT = "draft"  # proposed (e.g. from a reorder suggestion): not sent, not on order yet
    OPEN = "open"
    PARTIALLY_RECEIVED = "partially_received"
    RECEIVED = "received"
    CANCELLED = "cancelled"


@dataclass(eq=False)
class PurchaseOrderLine:
    sku_id: int
    quantity_ordered: int
    unit_cost: Money
    quantity_received: int = 0
    id: int | None = None
    purchase_order_id: int | None = None
    tenant_id: int | None = None

    @property
    def outstanding(self) -> int:
        return self.quantity_ordered - self.quantity_received


@dataclass(eq=False)
class ReceiptLine:
    sku_id: int
    quantity: int
    unit_cost: Money
    lot_code: str = NO_LOT
    purchase_order_line_id: int | None = None
    id: int | None = None
    receipt_id: int | None = None
    tenant_id: int | None = None


@dataclass(eq=False)
class Receipt:
    tenant_id: int
    purchase_order_id: int
    warehouse_id: int
    actor: str
    received_at: datetime = field(default_factory=utcnow)
    lines: list[ReceiptLine] = field(default_factory=list)
    id: int | None = None

    @property
    def total_cost(self) -> Money:
        currency = self.lines[0].unit_cost.currency if self.lines else "USD"
        return total([line.unit_cost.times(line.quantity) for line in self.lines], currency)


@dataclass(eq=False)
class PurchaseOrder:
    tenant_id: int
    supplier_id: int
    number: str
    warehouse_id: int
    currency: str
    status: PurchaseOrderStatus = PurchaseOrderStatus.OPEN
    ordered_at: datetime = field(default_factory=utcnow)
    lines: list[PurchaseOrderLine] = field(default_factory=list)
    id: int | None = None

    @property
    def label(self) -> str:
        return f"purchase order {self.number}"

    def add_line(self, sku_id: int, quantity: int, unit_cost: Money) -> PurchaseOrderLine:
        where = f"{self.label} line {len(self.lines) + 1}"
        if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity <= 0:
            raise InvalidValue("quantity", quantity, "must be a whole number > 0", record=where)
        if unit_cost.currency != self.currency:
            raise CurrencyMismatch(self.currency, unit_cost.currency, field=f"{where}.unit_cost")
        if unit_cost.amount < 0:
            raise InvalidValue("unit_cost", str(unit_cost), "must not be negative", record=where)
        line = PurchaseOrderLine(
            sku_id=sku_id, quantity_ordered=quantity, unit_cost=unit_cost, tenant_id=self.tenant_id
        )
        self.lines.append(line)
        return line

    def line_for(self, sku_id: int) -> PurchaseOrderLine:
        for line in self.lines:
            if line.sku_id == sku_id:
                return line
        raise NotFound("sku on " + self.label, sku_id, field="sku")

    def receive(
        self,
        quantities: dict[int, int],
        *,
        actor: str,
        lots: dict[int, str] | None = None,
        received_at: datetime | None = None,
    ) -> Receipt:
        """Record goods arriving: {sku_id: quantity}. Partial receipts are fine; more than
        was ordered is refused (the supplier bill must match what we asked for).
        received_at: when the goods arrived, if recorded later (the supplier bill is dated
        by it); default now."""
        if self.status not in (PurchaseOrderStatus.OPEN, PurchaseOrderStatus.PARTIALLY_RECEIVED):
            raise IllegalTransition(self.label, self.status.value, "receive")
        if not quantities:
            raise InvalidValue("quantities", quantities, "nothing to receive", record=self.label)
        if received_at is not None and received_at.utcoffset() is None:
            raise InvalidValue(
                "received_at", received_at, "must carry a time zone", record=self.label
            )
        receipt = Receipt(
            tenant_id=self.tenant_id,
            purchase_order_id=self.id or 0,
            warehouse_id=self.warehouse_id,
            actor=actor,
            received_at=received_at or utcnow(),
        )
        # Validate everything before changing anything: a receipt is all or nothing.
        planned: list[tuple[PurchaseOrderLine, int]] = []
        for sku_id, quantity in quantities.items():
            line = self.line_for(sku_id)
            where = f"{self.label} sku #{sku_id}"
            if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity <= 0:
                raise InvalidValue("quantity", quantity, "must be a whole number > 0", record=where)
            if quantity > line.outstanding:
                raise InvalidValue(
                    "quantity",
                    quantity,
                    f"only {line.outstanding} of {line.quantity_ordered} still outstanding",
                    record=where,
                )
            planned.append((line, quantity))
        for line, quantity in planned:
            line.quantity_received += quantity
            receipt.lines.append(
                ReceiptLine(
                    sku_id=line.sku_id,
                    quantity=quantity,
                    unit_cost=line.unit_cost,
                    lot_code=(lots or {}).get(line.sku_id, NO_LOT),
                    purchase_order_line_id=line.id,
                    tenant_id=self.tenant_id,
                )
            )
        fully = all(line.outstanding == 0 for line in self.lines)
        self.status = (
            PurchaseOrderStatus.RECEIVED if fully else PurchaseOrderStatus.PARTIALLY_RECEIVED
        )
        return receipt

    def approve(self) -> None:
        """A draft becomes an open order: goods may now be received against it."""
        if self.status is not PurchaseOrderStatus.DRAFT:
            raise IllegalTransition(self.label, self.status.value, PurchaseOrderStatus.OPEN)
        self.status = PurchaseOrderStatus.OPEN

    def cancel(self) -> None:
        """Only before anything arrived: a received unit is on the books and in stock."""
        if self.status not in (PurchaseOrderStatus.DRAFT, PurchaseOrderStatus.OPEN):
            raise IllegalTransition(self.label, self.status.value, PurchaseOrderStatus.CANCELLED)
        self.status = PurchaseOrderStatus.CANCELLED
