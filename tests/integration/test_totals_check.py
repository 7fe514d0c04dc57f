"""The totals self-check when an order is stored: a disagreement is an error-queue entry
naming the order and each figure, the order is held from invoicing, the metrics and the
dashboard count it, and an operator's release lifts it; an unknown amount is no mismatch."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import select

from hub.db import tables as t
from hub.db.tables_sync import sync_errors
from hub.domain.money import Money
from hub.domain.orders import Order, OrderLine, StatedTotals, TaxLine
from hub.metrics import render
from hub.services import catalog
from hub.services.orders import store_order
from hub.services.overview import overview
from hub.services.totals_check import release_invoice_hold
from tests.conftest import Database
from tests.integration.factories import UowFactory

WHEN = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)


def usd(amount: str) -> Money:
    return Money.of(amount, "USD")


def _order(tid: int, channel_id: int, external_id: str, stated: StatedTotals) -> Order:
    """2 x 10.00 + 8% tax 1.60 = 21.60."""
    o = Order(tid, channel_id, external_id, "USD", WHEN, number=f"#{external_id}",
              stated_totals=stated)  # fmt: skip
    o.add_line(OrderLine("TENT", 2, usd("10.00"), tax=usd("1.60")))
    o.tax_lines.append(TaxLine("State", Decimal("0.08"), usd("1.60")))
    return o


def test_a_disagreeing_order_is_queued_held_counted_and_released(
    db: Database, tenant: UowFactory
) -> None:
    channel = catalog.create_channel(tenant(), "web", "shopify", "USD")
    assert channel.id is not None
    with tenant() as uow:
        tid = uow.tenant_id
    assert tid is not None
    good = store_order(tenant(), "web", _order(tid, channel.id, "1", StatedTotals(usd("21.60"))))
    assert good.invoice_hold is None
    stated = StatedTotals(total=usd("21.70"), tax=usd("1.70"), subtotal=usd("20.00"))
    bad = store_order(tenant(), "web", _order(tid, channel.id, "2", stated))
    assert bad.invoice_hold == (
        "totals: tax 1.60 USD (ours) != 1.70 USD (platform); "
        "total 21.60 USD (ours) != 21.70 USD (platform)"
    )
    with tenant() as uow:
        e = sync_errors.c
        [error] = uow.session.execute(
            select(e.stage, e.record, e.field, e.reason, e.resolved_at).where(e.tenant_id == tid)
        ).all()
        assert (error.stage, error.record, error.field) == ("totals", "order 2 (#2) on channel web",
                                                            "tax,total")  # fmt: skip
        assert "total 21.60 USD (ours) != 21.70 USD (platform)" in error.reason
        assert error.resolved_at is None
        assert overview(uow.session, tid).held_from_invoicing == 1
    metrics = render(db.session_factory).decode()
    slug = _slug(tenant)
    assert f'hub_orders_held_from_invoicing{{tenant="{slug}"}} 1.0' in metrics
    assert f'hub_totals_mismatches_total{{tenant="{slug}"}} 1.0' in metrics
    assert bad.id is not None
    release_invoice_hold(tenant(), bad.id, actor="test", note="checked")
    with tenant() as uow:
        reloaded = uow.orders.get(bad.id)
        assert reloaded.invoice_hold is None
        resolved = (
            uow.session.execute(
                select(sync_errors.c.resolved_at).where(sync_errors.c.tenant_id == tid)
            )
            .scalars()
            .all()
        )
        assert resolved
        assert all(r is not None for r in resolved)
        assert overview(uow.session, tid).held_from_invoicing == 0
    metrics = render(db.session_factory).decode()
    assert f'hub_orders_held_from_invoicing{{tenant="{slug}"}} 0.0' in metrics
    assert f'hub_totals_mismatches_total{{tenant="{slug}"}} 1.0' in metrics


def test_an_order_whose_amounts_are_unknown_is_not_a_mismatch(tenant: UowFactory) -> None:
    channel = catalog.create_channel(tenant(), "amz", "amazon", "USD")
    assert channel.id is not None
    with tenant() as uow:
        tid = uow.tenant_id
    assert tid is not None
    pending = Order(tid, channel.id, "P-1", "USD", WHEN, amounts_known=False,
                    stated_totals=StatedTotals(total=usd("99.00")))  # fmt: skip
    pending.add_line(OrderLine("TENT", 1, None, external_id="L1"))
    stored = store_order(tenant(), "amz", pending)
    assert stored.invoice_hold is None
    with tenant() as uow:
        stages = uow.session.execute(
            select(sync_errors.c.stage).where(sync_errors.c.tenant_id == tid)
        ).scalars()
        assert "totals" not in list(stages)


def _slug(tenant: UowFactory) -> str:
    with tenant() as uow:
        return str(
            uow.session.execute(
                select(t.tenants.c.slug).where(t.tenants.c.id == uow.tenant_id)
            ).scalar_one()
        )
