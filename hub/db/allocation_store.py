"""Core queries of the allocator: lock, read the snapshot, write the decision.

SQLAlchemy Core rather than the ORM because this is the hot path: every round trip
happens while balance rows are locked. Locks are always taken in one global order:
the order row first, then balances ORDER BY sku_id, warehouse_id, lot_code, then the
published (channel, SKU) figures ORDER BY channel_id, sku_id.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, exists, select, update
from sqlalchemy.orm import Session

from hub.db import tables as t
from hub.db import tables_allocation as ta
from hub.db import tables_mapping as tm
from hub.db.costing_rows import record_costs
from hub.domain.allocation import AllocationPolicy, ShortfallPolicy, SplitPolicy, Strategy
from hub.domain.catalog import WarehouseKind
from hub.domain.clock import utcnow
from hub.domain.costing import VALUED
from hub.domain.errors import NotFound
from hub.domain.inventory import Movement, StockLevel
from hub.domain.orders import OrderStatus, line_mapping_key


@dataclass
class OrderRow:
    id: int
    channel_id: int
    external_id: str
    status: OrderStatus
    status_reason: str | None
    ship_to: dict[str, Any]
    # For the review rules (hub.domain.order_rules), read with the order on the hot path.
    customer_email: str | None = None
    flagged: bool = False  # the e-mail is on the tenant's flagged_customers list
    resume_status: OrderStatus | None = None  # where a hold returns to (Order.resume_status)

    @property
    def label(self) -> str:
        return f"order {self.external_id}"


@dataclass(frozen=True)
class LineRow:
    id: int
    sku_id: int | None
    quantity: int
    name: str  # external id or channel SKU, for messages
    listing_id: int | None = None
    bundle: bool = False  # its SKU or listing has components (hub.services.bundles)


@dataclass(frozen=True)
class ReservationRow:
    id: int
    line_id: int
    warehouse_id: int
    sku_id: int
    lot_code: str
    quantity: int


@dataclass(frozen=True)
class ChannelWarehouse:
    warehouse_id: int
    rank: int  # position in the channel's preference order
    country: str
    region: str
    allocatable: bool


def is_bundle(sku_id: Any, listing_id: Any) -> Any:
    """A column: does this order line's SKU or listing have bundle components? Read with
    the line, so orders without bundles pay no extra round trip."""
    b = tm.bundle_components.c
    owned = (b.bundle_sku_id == sku_id) | (b.listing_id == listing_id)
    return exists().where(owned).label("bundle")


def policy_from_row(row: Any) -> AllocationPolicy:
    if row is None:
        return AllocationPolicy()
    return AllocationPolicy(
        strategy=Strategy(row.strategy),
        split=SplitPolicy(row.split_policy),
        shortfall=ShortfallPolicy(row.shortfall_policy),
        buffer=row.buffer,
        share=row.share,
        max_to_list=row.max_to_list,
        end_when=row.end_when,
        review_over_amount=row.review_over_amount,
        review_missing_country=row.review_missing_country,
    )


class AllocationStore:
    def __init__(self, session: Session, tenant_id: int) -> None:
        self.session = session
        self.tenant_id = tenant_id

    def lock_order(self, order_id: int) -> OrderRow:
        o = t.orders.c
        row = self.session.execute(
            select(o.id, o.channel_id, o.external_id, o.status, o.status_reason, o.ship_to)
            .where(o.tenant_id == self.tenant_id, o.id == order_id)
            .with_for_update()
        ).one_or_none()
        if row is None:
            raise NotFound("order", order_id)
        return OrderRow(*row)

    def set_status(self, order: OrderRow) -> None:
        self.session.execute(
            update(t.orders)
            .where(t.orders.c.id == order.id)
            .values(status=order.status, status_reason=order.status_reason)
        )

    def hold(self, order: OrderRow) -> None:
        """Write a hold: its status, reason and where it returns to."""
        self.session.execute(
            update(t.orders)
            .where(t.orders.c.id == order.id)
            .values(
                status=order.status,
                status_reason=order.status_reason,
                resume_status=order.resume_status,
            )
        )

    def lines(self, order_id: int) -> list[LineRow]:
        c = t.order_lines.c
        rows = self.session.execute(
            select(
                c.id, c.sku_id,
                (c.quantity - c.quantity_shipped - c.quantity_cancelled).label("quantity"),
                c.external_id,
                c.channel_sku, c.platform_listing_id, c.listing_id,
                is_bundle(c.sku_id, c.listing_id),
            )
            .where(c.tenant_id == self.tenant_id, c.order_id == order_id)
            .order_by(c.id)
        ).all()  # fmt: skip
        return [
            LineRow(r.id, r.sku_id, r.quantity,
                    r.external_id or line_mapping_key(r.channel_sku, r.platform_listing_id) or "",
                    r.listing_id, bool(r.bundle))
            for r in rows
        ]  # fmt: skip

    def channel_setup(self, channel_id: int) -> tuple[AllocationPolicy, list[ChannelWarehouse]]:
        p = ta.channel_allocation_policies.c
        policy = self.session.execute(
            select(ta.channel_allocation_policies).where(
                p.tenant_id == self.tenant_id, p.channel_id == channel_id
            )
        ).one_or_none()
        cw, w = ta.channel_warehouses.c, t.warehouses.c
        rows = self.session.execute(
            select(w.id, w.country, w.region, w.kind)
            .join(ta.channel_warehouses, cw.warehouse_id == w.id)
            .where(cw.tenant_id == self.tenant_id, cw.channel_id == channel_id)
            .order_by(cw.rank, w.priority, w.id)
        ).all()
        warehouses = [
            ChannelWarehouse(
                r.id, i, r.country, r.region, r.kind != WarehouseKind.MARKETPLACE_FULFILLED
            )
            for i, r in enumerate(rows)
        ]
        return policy_from_row(policy), warehouses

    def reservations(self, line_ids: Sequence[int]) -> list[ReservationRow]:
        r = t.reservations.c
        rows = self.session.execute(
            select(r.id, r.order_line_id, r.warehouse_id, r.sku_id, r.lot_code, r.quantity)
            .where(r.tenant_id == self.tenant_id, r.order_line_id.in_(list(line_ids)))
            .order_by(r.id)
        ).all()
        return [ReservationRow(*row) for row in rows]

    def backorders(self, line_ids: Sequence[int]) -> dict[int, int]:
        b = ta.backorders.c
        rows = self.session.execute(
            select(b.order_line_id, b.quantity).where(
                b.tenant_id == self.tenant_id, b.order_line_id.in_(list(line_ids))
            )
        ).all()
        return {line: qty for line, qty in rows}

    def fulfilled(self, line_ids: Sequence[int], kind: str) -> dict[int, int]:
        f = ta.line_fulfilments.c
        rows = self.session.execute(
            select(f.order_line_id, f.quantity).where(
                f.tenant_id == self.tenant_id, f.order_line_id.in_(list(line_ids)), f.kind == kind
            )
        ).all()
        totals: dict[int, int] = {}
        for line, qty in rows:
            totals[line] = totals.get(line, 0) + qty
        return totals

    def fulfilled_by_sku(self, line_ids: Sequence[int], kind: str) -> dict[tuple[int, int], int]:
        """(line id, sku id) -> units: what each component of a bundle line has done."""
        f = ta.line_fulfilments.c
        rows = self.session.execute(
            select(f.order_line_id, f.sku_id, f.quantity).where(
                f.tenant_id == self.tenant_id, f.order_line_id.in_(list(line_ids)), f.kind == kind
            )
        ).all()
        totals: dict[tuple[int, int], int] = {}
        for line, sku, qty in rows:
            totals[(line, sku)] = totals.get((line, sku), 0) + qty
        return totals

    def lock_levels(
        self, sku_ids: Iterable[int], warehouse_ids: Iterable[int] | None
    ) -> list[tuple[StockLevel, Any]]:
        """Balances of these SKUs in these warehouses (None: all), locked in the global
        order, each with its lot's expiry date (None when not lot-tracked or undated)."""
        s, lot = t.stock_levels.c, t.lots.c
        where = [s.tenant_id == self.tenant_id, s.sku_id.in_(sorted(set(sku_ids)))]
        if warehouse_ids is not None:
            where.append(s.warehouse_id.in_(sorted(set(warehouse_ids))))
        rows = self.session.execute(
            select(t.stock_levels, lot.expires_on)
            .outerjoin(t.lots, (lot.sku_id == s.sku_id) & (lot.code == s.lot_code))
            .where(*where)
            .order_by(s.sku_id, s.warehouse_id, s.lot_code)
            .with_for_update(of=t.stock_levels)
        ).all()
        return [
            (
                StockLevel(
                    r.tenant_id,
                    r.warehouse_id,
                    r.sku_id,
                    r.lot_code,
                    r.on_hand,
                    r.reserved,
                    r.safety_stock,
                    r.reorder_point,
                    r.id,
                ),
                r.expires_on,
            )
            for r in rows
        ]

    def shipment_origins(self, line_id: int) -> list[tuple[int, int, str]]:
        """(warehouse, SKU, lot) a line's units shipped from, newest first."""
        f = ta.line_fulfilments.c
        rows = self.session.execute(
            select(f.warehouse_id, f.sku_id, f.lot_code)
            .where(f.order_line_id == line_id, f.kind == "shipment")
            .order_by(f.id.desc())
        ).all()
        return [(r.warehouse_id, r.sku_id, r.lot_code) for r in rows]

    def level_for_update(self, warehouse_id: int, sku_id: int, lot_code: str) -> StockLevel:
        """One balance, locked; created empty first when the warehouse never held it."""
        s = t.stock_levels.c
        where = (s.warehouse_id == warehouse_id, s.sku_id == sku_id, s.lot_code == lot_code)
        found = self.session.execute(select(s.id).where(*where)).first()
        if found is None:
            self.session.execute(
                t.stock_levels.insert().values(
                    tenant_id=self.tenant_id,
                    warehouse_id=warehouse_id,
                    sku_id=sku_id,
                    lot_code=lot_code,
                    on_hand=0,
                    reserved=0,
                    safety_stock=0,
                )
            )
        r = self.session.execute(select(t.stock_levels).where(*where).with_for_update()).one()
        return StockLevel(
            r.tenant_id, r.warehouse_id, r.sku_id, r.lot_code, r.on_hand, r.reserved,
            r.safety_stock, r.reorder_point, r.id,
        )  # fmt: skip

    def save_levels(self, levels: Iterable[StockLevel]) -> None:
        params = [
            {"b_id": lv.id, "b_on_hand": lv.on_hand, "b_reserved": lv.reserved} for lv in levels
        ]
        if params:
            from sqlalchemy import bindparam

            self.session.execute(
                update(t.stock_levels)
                .where(t.stock_levels.c.id == bindparam("b_id"))
                .values(on_hand=bindparam("b_on_hand"), reserved=bindparam("b_reserved")),
                params,
                execution_options={"synchronize_session": False},
            )

    def add_movements(self, movements: Sequence[Movement]) -> None:
        if not movements:
            return
        rows = [
            {
                "tenant_id": m.tenant_id,
                "kind": m.kind,
                "warehouse_id": m.warehouse_id,
                "sku_id": m.sku_id,
                "lot_code": m.lot_code,
                "quantity": m.quantity,
                "on_hand_delta": m.on_hand_delta,
                "reserved_delta": m.reserved_delta,
                "reference": m.reference,
                "actor": m.actor,
                "reason": m.reason,
                "created_at": m.created_at,
            }
            for m in movements
        ]
        if not any(m.kind in VALUED for m in movements):
            # Reservations and releases (the allocation hot path) carry no value.
            self.session.execute(t.stock_movements.insert(), rows)
            return
        ids = self.session.scalars(
            t.stock_movements.insert().returning(
                t.stock_movements.c.id, sort_by_parameter_order=True
            ),
            rows,
        ).all()
        for m, id_ in zip(movements, ids, strict=True):
            m.id = id_
        # Shipments and returns are valued at the moving average in this transaction.
        record_costs(self.session, self.tenant_id, movements)

    def insert_reservations(self, rows: Sequence[ReservationRow]) -> None:
        if rows:
            now = utcnow()
            self.session.execute(
                t.reservations.insert(),
                [
                    {
                        "tenant_id": self.tenant_id,
                        "order_line_id": r.line_id,
                        "warehouse_id": r.warehouse_id,
                        "sku_id": r.sku_id,
                        "lot_code": r.lot_code,
                        "quantity": r.quantity,
                        "created_at": now,
                    }
                    for r in rows
                ],
            )

    def resize_reservation(self, reservation_id: int, quantity: int) -> None:
        r = t.reservations.c
        if quantity == 0:
            self.session.execute(delete(t.reservations).where(r.id == reservation_id))
        else:
            self.session.execute(
                update(t.reservations).where(r.id == reservation_id).values(quantity=quantity)
            )

    def set_backorder(self, line_id: int, sku_id: int, quantity: int, had: bool) -> None:
        b = ta.backorders.c
        if quantity == 0:
            if had:
                self.session.execute(delete(ta.backorders).where(b.order_line_id == line_id))
        elif had:
            self.session.execute(
                update(ta.backorders).where(b.order_line_id == line_id).values(quantity=quantity)
            )
        else:
            self.session.execute(
                ta.backorders.insert().values(
                    tenant_id=self.tenant_id,
                    order_line_id=line_id,
                    sku_id=sku_id,
                    quantity=quantity,
                    created_at=utcnow(),
                )
            )

    def clear_backorders(self, line_ids: Sequence[int]) -> None:
        b = ta.backorders.c
        if line_ids:
            self.session.execute(delete(ta.backorders).where(b.order_line_id.in_(list(line_ids))))

    def add_fulfilment(
        self,
        kind: str,
        line_id: int,
        level: StockLevel,
        quantity: int,
        reservation_id: int | None = None,
    ) -> None:
        self.session.execute(
            ta.line_fulfilments.insert().values(
                tenant_id=self.tenant_id,
                order_line_id=line_id,
                kind=kind,
                warehouse_id=level.warehouse_id,
                sku_id=level.sku_id,
                lot_code=level.lot_code,
                quantity=quantity,
                reservation_id=reservation_id,
                created_at=utcnow(),
            )
        )
