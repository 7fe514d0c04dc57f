"""One business transaction: repositories over one session, rolled back unless committed."""

from __future__ import annotations

from types import TracebackType

from sqlalchemy.orm import Session, sessionmaker

from hub.db import repositories as r


class UnitOfWork:
    """``with UnitOfWork(factory, tenant_id) as uow: ...; uow.commit()``.

    Leaving the block without commit() rolls everything back, so a refused operation
    never leaves half its rows behind.
    """

    tenants: r.Tenants
    channels: r.Channels
    warehouses: r.Warehouses
    products: r.Products
    skus: r.Skus
    listings: r.Listings
    lots: r.Lots
    stock: r.StockLevels
    movements: r.Movements
    reservations: r.Reservations
    orders: r.Orders
    suppliers: r.Suppliers
    purchase_orders: r.PurchaseOrders
    receipts: r.Receipts

    def __init__(self, session_factory: sessionmaker[Session], tenant_id: int | None) -> None:
        self._factory = session_factory
        self.tenant_id = tenant_id

    def __enter__(self) -> UnitOfWork:
        self.session = self._factory()
        self.tenants = r.Tenants(self.session)
        if self.tenant_id is not None:
            tid = self.tenant_id
            s = self.session
            self.channels = r.Channels(s, tid)
            self.warehouses = r.Warehouses(s, tid)
            self.products = r.Products(s, tid)
            self.skus = r.Skus(s, tid)
            self.listings = r.Listings(s, tid)
            self.lots = r.Lots(s, tid)
            self.stock = r.StockLevels(s, tid)
            self.movements = r.Movements(s, tid)
            self.reservations = r.Reservations(s, tid)
            self.orders = r.Orders(s, tid)
            self.suppliers = r.Suppliers(s, tid)
            self.purchase_orders = r.PurchaseOrders(s, tid)
            self.receipts = r.Receipts(s, tid)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            self.rollback()
        finally:
            self.session.close()

    def commit(self) -> None:
        self.session.commit()

    def rollback(self) -> None:
        self.session.rollback()
