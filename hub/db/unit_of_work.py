"""One business transaction: repositories over one session, rolled back unless committed.

No unit of work opens another (design invariant 11). SQLite has one writer at a time and
the engine starts every transaction with BEGIN IMMEDIATE, so a second unit of work opened
while the first is still open waits for a lock its own thread holds (30 s, then "database
is locked"); on PostgreSQL it holds two pool connections for one request and starves the
pool under load. Each thread counts its open units of work; entering a second one raises
:class:`NestedUnitOfWork` while nesting is forbidden (development and tests: see
:func:`forbid_nesting`), and logs an error in production.
"""

from __future__ import annotations

import logging
import threading
from types import TracebackType

from sqlalchemy.orm import Session, sessionmaker

from hub.db import repositories as r

log = logging.getLogger(__name__)

_open = threading.local()  # .depth: units of work open on this thread
_strict = {"forbid": True}


class NestedUnitOfWork(RuntimeError):
    """A unit of work was opened while another one was still open on the same thread."""


def forbid_nesting(forbid: bool = True) -> None:
    """Raise on a nested unit of work (True: development and tests) or only log it."""
    _strict["forbid"] = forbid


def open_depth() -> int:
    """How many units of work are open on this thread (0: free to open one)."""
    return int(getattr(_open, "depth", 0))


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
        depth = open_depth()
        if depth:
            message = "a unit of work was opened inside another one (invariant 11)"
            if _strict["forbid"]:
                raise NestedUnitOfWork(message)
            log.error(message, stack_info=True)
        _open.depth = depth + 1
        try:
            self.session = self._factory()
        except BaseException:
            _open.depth = depth
            raise
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
            _open.depth = max(open_depth() - 1, 0)
            self.session.close()

    def commit(self) -> None:
        self.session.commit()

    def rollback(self) -> None:
        self.session.rollback()
