"""Builders for allocator tests: a channel selling from warehouses, stock, and orders."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from hub.db import tables as t
from hub.db.unit_of_work import UnitOfWork
from hub.domain.catalog import WarehouseKind
from hub.domain.money import Money
from hub.domain.orders import Order, OrderLine, OrderStatus
from hub.services import catalog, inventory, stock_policy

UowFactory = Callable[[], UnitOfWork]


@dataclass
class Shop:
    uow: UowFactory
    channel: str = "web"
    channel_id: int = 0
    sku_ids: dict[str, int] = field(default_factory=dict)
    warehouse_ids: dict[str, int] = field(default_factory=dict)
    _n: int = 0

    def order(
        self,
        lines: list[tuple[str | None, int]],
        *,
        status: OrderStatus = OrderStatus.READY,
        country: str = "DE",
        region: str = "",
        email: str | None = None,
        price: str = "10",
        external_id: str | None = None,
        placed_at: datetime | None = None,
        channel_id: int | None = None,
    ) -> int:
        """lines: (sku code or None for an unmapped line, quantity)."""
        self._n += 1
        with self.uow() as uow:
            assert uow.tenant_id is not None
            order = Order(
                uow.tenant_id,
                channel_id or self.channel_id,
                external_id or f"O-{self._n}",
                "EUR",
                placed_at or datetime(2026, 11, 1, tzinfo=UTC),
                status=status,
                customer_email=email,
                ship_to={"country": country, "region": region},
            )
            for i, (sku, qty) in enumerate(lines):
                order.add_line(
                    OrderLine(
                        sku or f"UNMAPPED-{i}",
                        qty,
                        Money.of(price, "EUR"),
                        sku_id=self.sku_ids[sku] if sku else None,
                        external_id=f"L{i + 1}",
                        tenant_id=uow.tenant_id,
                    )
                )
            uow.orders.add(order)
            uow.commit()
            assert order.id is not None
            return order.id

    def line_ids(self, order_id: int) -> list[int]:
        with self.uow() as uow:
            c = t.order_lines.c
            rows = uow.session.execute(
                select(c.id).where(c.order_id == order_id).order_by(c.id)
            ).scalars()
            return list(rows)

    def status(self, order_id: int) -> tuple[OrderStatus, str | None]:
        with self.uow() as uow:
            o = t.orders.c
            row = uow.session.execute(
                select(o.status, o.status_reason).where(o.id == order_id)
            ).one()
            return row[0], row[1]

    def level(self, warehouse: str, sku: str, lot: str = "") -> tuple[int, int]:
        with self.uow() as uow:
            found = uow.stock.find(
                warehouse_id=self.warehouse_ids[warehouse], sku_id=self.sku_ids[sku], lot_code=lot
            )
            return (found.on_hand, found.reserved) if found else (0, 0)

    def reservations(self, order_id: int) -> list[tuple[str, str, str, int]]:
        """(warehouse code, sku code, lot, quantity) of the order's reservations."""
        names = {v: k for k, v in self.warehouse_ids.items()}
        skus = {v: k for k, v in self.sku_ids.items()}
        with self.uow() as uow:
            r, ol = t.reservations.c, t.order_lines.c
            rows = uow.session.execute(
                select(r.warehouse_id, r.sku_id, r.lot_code, r.quantity)
                .join(t.order_lines, ol.id == r.order_line_id)
                .where(ol.order_id == order_id)
                .order_by(r.warehouse_id, r.sku_id, r.lot_code)
            ).all()
        return [(names[w], skus[s], lot, q) for w, s, lot, q in rows]

    def verify(self) -> list[Any]:
        return inventory.verify_ledger(self.uow())


def shop(
    uow: UowFactory,
    stock: dict[tuple[str, str], int],
    *,
    warehouses: tuple[str, ...] = ("BER", "NJ"),
    lot_tracked: tuple[str, ...] = (),
    **policy: Any,
) -> Shop:
    """Warehouses BER (DE, priority 10), NJ (US, 20), FBA (marketplace); channel `web`
    selling from `warehouses`; stock {(warehouse, sku): units} counted in (ledger rows)."""
    created = [
        catalog.create_warehouse(uow(), "BER", "Berlin", country="DE", region="BE", priority=10),
        catalog.create_warehouse(uow(), "NJ", "New Jersey", country="US", region="NJ", priority=20),
        catalog.create_warehouse(
            uow(),
            "FBA",
            "Amazon",
            country="DE",
            priority=1,
            kind=WarehouseKind.MARKETPLACE_FULFILLED,
        ),
    ]
    channel = catalog.create_channel(uow(), "web", "shopify", "EUR")
    assert channel.id is not None
    s = Shop(uow, channel_id=channel.id)
    s.warehouse_ids = {w.code: w.id for w in created if w.id is not None}
    for code in sorted({sku for _, sku in stock} | set(lot_tracked)):
        sku = catalog.create_sku(
            uow(), code, code, Money.of("1", "EUR"), lot_tracked=code in lot_tracked
        )
        assert sku.id is not None
        s.sku_ids[code] = sku.id
    stock_policy.set_warehouses(uow(), "web", list(warehouses))
    if policy:
        stock_policy.set_policy(uow(), "web", **policy)
    for (warehouse, sku), qty in stock.items():
        inventory.adjust_to_count(uow(), warehouse, sku, qty, actor="test", reason="seed")
    return s
