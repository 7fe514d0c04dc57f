"""Prometheus metrics. Process-local instruments (allocation latency, rate-budget waits)
plus a collector that reads the database at scrape time for what the database already
knows (orders ingested, error-queue depth, push lag, reconciliation status), so every
API process reports the same figures no matter which worker did the work."""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from connectors.toolkit.metrics import RATE_BUDGET_WAIT_SECONDS
from hub.db import tables as t
from hub.db.tables_allocation import outbox_events
from hub.db.tables_operator import reconciliation_runs
from hub.db.tables_sync import sync_errors
from hub.domain.clock import utcnow
from hub.instruments import ALLOCATION_SECONDS
from hub.services.totals_check import count_holds

__all__ = ["ALLOCATION_SECONDS", "HubCollector", "render"]


class HubCollector(Collector):
    def __init__(self, session_factory: sessionmaker[Session]) -> None:
        self._sessions = session_factory

    def collect(self) -> Iterator[Metric]:
        with self._sessions() as session:
            yield from self._orders(session)
            yield from self._errors(session)
            yield from self._totals(session)
            yield from self._push_lag(session)
            yield from self._reconciliation(session)

    def _orders(self, session: Session) -> Iterator[Metric]:
        o, c, tn = t.orders.c, t.channels.c, t.tenants.c
        family = CounterMetricFamily(
            "hub_orders_ingested",
            "Orders stored, per tenant and channel",
            labels=["tenant", "channel"],
        )
        rows = session.execute(
            select(tn.slug, c.name, func.count(o.id))
            .join(t.channels, c.id == o.channel_id)
            .join(t.tenants, tn.id == o.tenant_id)
            .group_by(tn.slug, c.name)
        )
        for slug, channel, count in rows:
            family.add_metric([slug, channel], count)
        yield family

    def _errors(self, session: Session) -> Iterator[Metric]:
        e, tn = sync_errors.c, t.tenants.c
        family = GaugeMetricFamily(
            "hub_error_queue_depth", "Open records in the error queue", labels=["tenant", "stage"]
        )
        rows = session.execute(
            select(tn.slug, e.stage, func.count(e.id))
            .join(t.tenants, tn.id == e.tenant_id)
            .where(e.resolved_at.is_(None))
            .group_by(tn.slug, e.stage)
        )
        for slug, stage, count in rows:
            family.add_metric([slug, stage], count)
        yield family

    def _totals(self, session: Session) -> Iterator[Metric]:
        """The totals self-check: orders it holds from invoicing now, and every mismatch
        it ever found (an error-queue entry each, resolved or not)."""
        slugs = {
            tid: slug for tid, slug in session.execute(select(t.tenants.c.id, t.tenants.c.slug))
        }
        held = GaugeMetricFamily(
            "hub_orders_held_from_invoicing",
            "Orders whose totals disagree with the platform's, waiting for an operator",
            labels=["tenant"],
        )
        found = CounterMetricFamily(
            "hub_totals_mismatches",
            "Orders whose recomputed totals disagreed with the platform's stated totals",
            labels=["tenant"],
        )
        for tenant_id, counts in sorted(count_holds(session).items()):
            held.add_metric([slugs[tenant_id]], counts.held_orders)
            found.add_metric([slugs[tenant_id]], counts.all_errors)
        yield held
        yield found

    def _push_lag(self, session: Session) -> Iterator[Metric]:
        """Age of the oldest stock change not yet delivered to its channel: 0 when none."""
        oldest = session.execute(
            select(func.min(outbox_events.c.created_at)).where(
                outbox_events.c.delivered_at.is_(None)
            )
        ).scalar_one()
        lag = 0.0 if oldest is None else max(0.0, (utcnow() - oldest).total_seconds())
        family = GaugeMetricFamily(
            "hub_push_lag_seconds", "Age of the oldest undelivered stock change"
        )
        family.add_metric([], lag)
        yield family

    def _reconciliation(self, session: Session) -> Iterator[Metric]:
        r, tn = reconciliation_runs.c, t.tenants.c
        latest = select(func.max(r.id)).group_by(r.tenant_id, r.kind).scalar_subquery()
        family = GaugeMetricFamily(
            "hub_reconciliation_ok",
            "1 when the latest reconciliation run of this kind matched",
            labels=["tenant", "kind"],
        )
        rows = session.execute(
            select(tn.slug, r.kind, r.reconciled)
            .join(t.tenants, tn.id == r.tenant_id)
            .where(r.id.in_(latest))
        )
        for slug, kind, reconciled in rows:
            family.add_metric([slug, kind], reconciled)
        yield family


def render(session_factory: sessionmaker[Session]) -> bytes:
    """The exposition text: process instruments plus the database figures."""
    from prometheus_client import REGISTRY

    registry = CollectorRegistry()
    registry.register(HubCollector(session_factory))
    return generate_latest(REGISTRY) + generate_latest(registry)


_ = RATE_BUDGET_WAIT_SECONDS  # imported so the default registry carries it
