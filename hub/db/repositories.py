"""Repositories: tenant-scoped access to aggregates. Every query filters on tenant_id."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Generic, TypeVar

from sqlalchemy import func, select
from sqlalchemy import text as sa_text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session

from hub.db import tables as t
from hub.db.costing_rows import record_costs
from hub.domain.catalog import Channel, Listing, Product, Sku, Tenant, Warehouse
from hub.domain.errors import NotFound
from hub.domain.inventory import Lot, Movement, Reservation, StockLevel
from hub.domain.money import Money
from hub.domain.orders import Order
from hub.domain.purchasing import PurchaseOrder, Receipt, Supplier

T = TypeVar("T")


class TenantRepository(Generic[T]):
    """add / get / find for one entity type, always within one tenant."""

    entity: type[T]
    kind: str
    key_field: str = "code"

    def __init__(self, session: Session, tenant_id: int) -> None:
        self.session = session
        self.tenant_id = tenant_id

    def add(self, item: T) -> T:
        self.session.add(item)
        self.session.flush()
        return item

    def _select(self, **filters: Any) -> Any:
        return select(self.entity).filter_by(tenant_id=self.tenant_id, **filters)

    def find(self, **filters: Any) -> T | None:
        return self.session.scalars(self._select(**filters)).one_or_none()

    def get(self, id_: int) -> T:
        found = self.find(id=id_)
        if found is None:
            raise NotFound(self.kind, id_)
        return found

    def by_key(self, key: str) -> T:
        found = self.find(**{self.key_field: key})
        if found is None:
            raise NotFound(self.kind, key)
        return found

    def list(self, **filters: Any) -> Sequence[T]:
        return self.session.scalars(self._select(**filters).order_by(sa_text("id"))).all()


class Channels(TenantRepository[Channel]):
    entity, kind, key_field = Channel, "channel", "name"


class Warehouses(TenantRepository[Warehouse]):
    entity, kind = Warehouse, "warehouse"


class Products(TenantRepository[Product]):
    entity, kind, key_field = Product, "product", "name"


class Skus(TenantRepository[Sku]):
    entity, kind = Sku, "sku"


class Listings(TenantRepository[Listing]):
    entity, kind, key_field = Listing, "listing", "channel_sku"


class Lots(TenantRepository[Lot]):
    entity, kind = Lot, "lot"


class Suppliers(TenantRepository[Supplier]):
    entity, kind = Supplier, "supplier"


class PurchaseOrders(TenantRepository[PurchaseOrder]):
    entity, kind, key_field = PurchaseOrder, "purchase order", "number"


class Receipts(TenantRepository[Receipt]):
    entity, kind, key_field = Receipt, "receipt", "id"


class Orders(TenantRepository[Order]):
    entity, kind, key_field = Order, "order", "external_id"

    def by_external_id(self, channel_id: int, external_id: str) -> Order | None:
        return self.find(channel_id=channel_id, external_id=external_id)

    def many(self, ids: Sequence[int], chunk: int = 500) -> list[Order]:
        """The tenant's orders among `ids`, a query per `chunk` ids and relationship (far
        below SQLite's bound on parameters); ids gone are skipped; by id."""
        wanted = sorted(set(ids))
        found: list[Order] = []
        for start in range(0, len(wanted), chunk):
            part = wanted[start : start + chunk]
            query = self._select().where(t.orders.c.id.in_(part)).order_by(sa_text("id"))
            found += self.session.scalars(query).all()
        return found


class Reservations(TenantRepository[Reservation]):
    entity, kind, key_field = Reservation, "reservation", "id"


class Movements(TenantRepository[Movement]):
    entity, kind, key_field = Movement, "movement", "id"

    def add(
        self, item: Movement, cost: Money | None = None, valued_at: datetime | None = None
    ) -> Movement:
        """Store the movement and, in the same transaction, its value at the moving
        average (a receipt at `cost`, what its units cost, as of `valued_at`)."""
        super().add(item)
        assert item.id is not None
        record_costs(
            self.session,
            self.tenant_id,
            [item],
            {item.id: cost} if cost else None,
            {item.id: valued_at} if valued_at else None,
        )
        return item

    def ledger_sums(self) -> dict[tuple[int, int, str], tuple[int, int]]:
        """(warehouse, sku, lot) -> (sum of on_hand deltas, sum of reserved deltas)."""
        m = t.stock_movements.c
        rows = self.session.execute(
            select(
                m.warehouse_id,
                m.sku_id,
                m.lot_code,
                func.sum(m.on_hand_delta),
                func.sum(m.reserved_delta),
            )
            .where(m.tenant_id == self.tenant_id)
            .group_by(m.warehouse_id, m.sku_id, m.lot_code)
        ).all()
        return {(w, s, lot): (int(oh), int(rv)) for w, s, lot, oh, rv in rows}


class StockLevels(TenantRepository[StockLevel]):
    entity, kind, key_field = StockLevel, "stock level", "id"

    def for_update(
        self, warehouse_id: int, sku_id: int, lot_code: str, names: tuple[str, str] | None = None
    ) -> StockLevel:
        """The balance row, locked for this transaction; created empty if it never existed.

        SELECT ... FOR UPDATE on PostgreSQL; on SQLite the transaction already holds the
        database's write lock (BEGIN IMMEDIATE), so the clause is simply not rendered.
        """
        query = self._select(warehouse_id=warehouse_id, sku_id=sku_id, lot_code=lot_code)
        level = self.session.scalars(query.with_for_update()).one_or_none()
        if level is None and self.session.get_bind().dialect.name == "postgresql":
            # Two first receipts of a balance race to create it: the second waits on the
            # first's row, inserts nothing, and locks the row that won, instead of failing
            # on the unique constraint after the first commits.
            self.session.execute(
                pg_insert(t.stock_levels)
                .values(
                    tenant_id=self.tenant_id,
                    warehouse_id=warehouse_id,
                    sku_id=sku_id,
                    lot_code=lot_code,
                    on_hand=0,
                    reserved=0,
                    safety_stock=0,
                    reorder_point=0,
                )
                .on_conflict_do_nothing(constraint="uq_stock_levels_wh_sku_lot")
            )
            level = self.session.scalars(query.with_for_update()).one()
        elif level is None:  # SQLite: the transaction holds the database's one write lock
            level = StockLevel(self.tenant_id, warehouse_id, sku_id, lot_code)
            self.add(level)
        if names is not None:
            level.name_for_messages(*names)
        return level

    def lock_many(self, keys: list[tuple[int, int, str]]) -> list[StockLevel]:
        """Lock several balances in one global order (sku, warehouse, lot) so that two
        transactions never wait on each other in a cycle."""
        ordered = sorted(set(keys), key=lambda k: (k[1], k[0], k[2]))
        return [self.for_update(w, s, lot) for w, s, lot in ordered]


class Tenants:
    """Tenants are the one unscoped table."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, tenant: Tenant) -> Tenant:
        self.session.add(tenant)
        self.session.flush()
        return tenant

    def by_slug(self, slug: str) -> Tenant:
        tenant = self.session.scalars(select(Tenant).filter_by(slug=slug)).one_or_none()
        if tenant is None:
            raise NotFound("tenant", slug)
        return tenant

    def find(self, slug: str) -> Tenant | None:
        return self.session.scalars(select(Tenant).filter_by(slug=slug)).one_or_none()

    def list(self) -> Sequence[Tenant]:
        return self.session.scalars(select(Tenant).order_by(t.tenants.c.id)).all()
