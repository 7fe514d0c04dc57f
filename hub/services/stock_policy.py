"""Per-channel allocation policy, review flags, and the read-side reports (ATS, reorder)."""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, func, select, update

from hub.db import tables as t
from hub.db import tables_allocation as ta
from hub.db.allocation_store import AllocationStore, policy_from_row
from hub.db.lot_rows import expired_keys
from hub.db.unit_of_work import UnitOfWork
from hub.domain.allocation import AllocationPolicy
from hub.domain.availability import (
    ReorderSuggestion,
    bundle_available,
    channel_available,
    suggest_reorder,
    warehouse_available,
)
from hub.domain.catalog import WarehouseKind
from hub.domain.clock import utcnow
from hub.domain.errors import InvalidValue
from hub.domain.inventory import MovementKind
from hub.domain.purchasing import PurchaseOrderStatus
from hub.services.bundles import bundle_definitions
from hub.services.stock_events import StockChanges, publish

# Drafts count as on order: a suggestion turned into a draft PO is not suggested again.
ON_ORDER = (
    PurchaseOrderStatus.DRAFT,
    PurchaseOrderStatus.OPEN,
    PurchaseOrderStatus.PARTIALLY_RECEIVED,
)


@dataclass(frozen=True)
class ChannelPolicyView:
    channel: str
    warehouses: list[str]
    policy: AllocationPolicy


def set_policy(uow: UnitOfWork, channel_name: str, **changes: Any) -> ChannelPolicyView:
    """Change some fields of the channel's AllocationPolicy (validated by the domain).
    A change of buffer/share/cap/end-when republishes the channel's figures."""
    known = {f.name for f in fields(AllocationPolicy)}
    for name in changes:
        if name not in known:
            raise InvalidValue(name, changes[name], "not a policy field", record=channel_name)
    with uow:
        assert uow.tenant_id is not None
        channel = uow.channels.by_key(channel_name)
        store = AllocationStore(uow.session, uow.tenant_id)
        assert channel.id is not None
        current, _ = store.channel_setup(channel.id)
        policy = replace(current, **changes)
        p = ta.channel_allocation_policies
        values = {
            "strategy": policy.strategy,
            "split_policy": policy.split,
            "shortfall_policy": policy.shortfall,
            "buffer": policy.buffer,
            "share": policy.share,
            "max_to_list": policy.max_to_list,
            "end_when": policy.end_when,
            "review_over_amount": policy.review_over_amount,
            "review_missing_country": policy.review_missing_country,
        }
        found = uow.session.execute(
            select(p.c.id).where(p.c.tenant_id == uow.tenant_id, p.c.channel_id == channel.id)
        ).scalar_one_or_none()
        if found is None:
            uow.session.execute(
                p.insert().values(tenant_id=uow.tenant_id, channel_id=channel.id, **values)
            )
        else:
            uow.session.execute(update(p).where(p.c.id == found).values(**values))
        _republish(uow, channel.id)
        uow.commit()
    return show_policy(uow, channel_name)


def set_warehouses(uow: UnitOfWork, channel_name: str, codes: list[str]) -> ChannelPolicyView:
    """The warehouses the channel sells from, most preferred first (replaces the list)."""
    if len(set(codes)) != len(codes):
        raise InvalidValue("warehouses", codes, "a warehouse is listed twice", record=channel_name)
    with uow:
        assert uow.tenant_id is not None
        channel = uow.channels.by_key(channel_name)
        warehouses = [uow.warehouses.by_key(code) for code in codes]
        cw = ta.channel_warehouses
        uow.session.execute(delete(cw).where(cw.c.channel_id == channel.id))
        if warehouses:
            uow.session.execute(
                cw.insert(),
                [
                    {
                        "tenant_id": uow.tenant_id,
                        "channel_id": channel.id,
                        "warehouse_id": w.id,
                        "rank": rank,
                    }
                    for rank, w in enumerate(warehouses)
                ],
            )
        assert channel.id is not None
        _republish(uow, channel.id)
        uow.commit()
    return show_policy(uow, channel_name)


def show_policy(uow: UnitOfWork, channel_name: str) -> ChannelPolicyView:
    with uow:
        assert uow.tenant_id is not None
        channel = uow.channels.by_key(channel_name)
        assert channel.id is not None
        policy, warehouses = AllocationStore(uow.session, uow.tenant_id).channel_setup(channel.id)
        codes = {w.id: w.code for w in uow.warehouses.list()}
        return ChannelPolicyView(channel.name, [codes[w.warehouse_id] for w in warehouses], policy)


def flag_customer(uow: UnitOfWork, email: str, reason: str) -> None:
    """Orders from this address wait in review until approved."""
    if "@" not in email:
        raise InvalidValue("email", email, "not an email address", record="flagged customer")
    with uow:
        f = ta.flagged_customers
        uow.session.execute(delete(f).where(f.c.tenant_id == uow.tenant_id, f.c.email == email))
        uow.session.execute(f.insert().values(tenant_id=uow.tenant_id, email=email, reason=reason))
        uow.commit()


def _republish(uow: UnitOfWork, channel_id: int) -> None:
    """Touch every balance in the channel's warehouses so changed figures get events."""
    assert uow.tenant_id is not None
    s, cw = t.stock_levels.c, ta.channel_warehouses.c
    rows = uow.session.execute(
        select(s.warehouse_id, s.sku_id, s.lot_code)
        .join(ta.channel_warehouses, cw.warehouse_id == s.warehouse_id)
        .where(cw.channel_id == channel_id, s.tenant_id == uow.tenant_id)
    ).all()
    store = AllocationStore(uow.session, uow.tenant_id)
    changes = StockChanges()
    for level, _ in store.lock_levels({r.sku_id for r in rows}, {r.warehouse_id for r in rows}):
        changes.touch(level)
    publish(uow.session, uow.tenant_id, changes)


@dataclass(frozen=True)
class ChannelAts:
    channel: str
    sku: str
    pooled: int  # sum of per-warehouse available over the channel's warehouses
    available: int  # after buffer, share, max-to-list and end-when
    bundle: str = ""  # "sku" (a kit SKU) or "listing" (a bundle listing, sku = channel SKU)


def ats_report(uow: UnitOfWork, channel_name: str | None = None) -> list[ChannelAts]:
    """Available-to-sell per channel and SKU, computed from the balances right now."""
    with uow:
        assert uow.tenant_id is not None
        store = AllocationStore(uow.session, uow.tenant_id)
        channels = [uow.channels.by_key(channel_name)] if channel_name else uow.channels.list()
        skus = {s.id: s.code for s in uow.skus.list() if s.id is not None}
        kinds = {w.id: w.kind for w in uow.warehouses.list()}
        kits = bundle_definitions(uow)
        expired = expired_keys(uow.session, uow.tenant_id, utcnow().date())
        listing_names = {
            li.id: (li.channel_id, li.channel_sku)
            for li in uow.listings.list()
            if li.id is not None and ("listing", li.id) in kits
        }
        report = []
        for channel in channels:
            assert channel.id is not None
            policy, warehouses = store.channel_setup(channel.id)
            ids = {
                w.warehouse_id
                for w in warehouses
                if kinds[w.warehouse_id] is not WarehouseKind.MARKETPLACE_FULFILLED
            }
            pooled: dict[int, int] = dict.fromkeys(skus, 0)
            for lv in uow.stock.list():
                if lv.warehouse_id in ids and (lv.sku_id, lv.lot_code) not in expired:
                    pooled[lv.sku_id] += warehouse_available(
                        lv.on_hand, lv.reserved, lv.safety_stock
                    )
            # a bundle's pool: min over components of component pool // units per bundle
            made_of = {k[1]: bundle_available(v, pooled) for k, v in kits.items() if k[0] == "sku"}
            report += [
                ChannelAts(channel.name, skus[sku], total, channel_available([total], policy))
                for sku, total in pooled.items()
                if sku not in made_of
            ]
            report += [
                ChannelAts(channel.name, skus[sku], total, channel_available([total], policy),
                           "sku")
                for sku, total in made_of.items()
            ]  # fmt: skip
            for listing, (owner, channel_sku) in listing_names.items():
                if owner == channel.id:
                    total = bundle_available(kits[("listing", listing)], pooled)
                    available = channel_available([total], policy)
                    report.append(
                        ChannelAts(channel.name, channel_sku, total, available, "listing")
                    )
    return sorted(report, key=lambda r: (r.channel, r.sku))


def reorder_report(
    uow: UnitOfWork, *, window_days: int = 30, cover_days: int = 30
) -> list[tuple[str, str, ReorderSuggestion]]:
    """(warehouse, sku, suggestion) for balances at or below their reorder point.
    Velocity is what shipped from that warehouse in the window (ledger SHIPMENT rows);
    lead time is the supplier's from the SKU's latest purchase order (default 7 days)."""
    with uow:
        since = utcnow() - timedelta(days=window_days)
        m = t.stock_movements.c
        sold = dict(
            ((w, s), int(q))
            for w, s, q in uow.session.execute(
                select(m.warehouse_id, m.sku_id, func.sum(m.quantity))
                .where(
                    m.tenant_id == uow.tenant_id,
                    m.kind == MovementKind.SHIPMENT,
                    m.created_at >= since,
                )
                .group_by(m.warehouse_id, m.sku_id)
            )
        )
        on_order: dict[tuple[int, int], int] = {}
        lead: dict[int, int] = {}
        for po in sorted(uow.purchase_orders.list(), key=lambda p: p.ordered_at):
            supplier = uow.suppliers.get(po.supplier_id)
            for line in po.lines:
                lead[line.sku_id] = supplier.lead_time_days
                if po.status in ON_ORDER:
                    key = (po.warehouse_id, line.sku_id)
                    on_order[key] = on_order.get(key, 0) + line.outstanding
        whs = {w.id: w.code for w in uow.warehouses.list()}
        skus = {s.id: s.code for s in uow.skus.list()}
        assert uow.tenant_id is not None
        expired = expired_keys(uow.session, uow.tenant_id, utcnow().date())
        totals: dict[tuple[int, int], list[int]] = {}
        for lv in uow.stock.list():
            row = totals.setdefault((lv.warehouse_id, lv.sku_id), [0, 0, 0])
            # an expired lot is on hand but unsellable: it does not hold off a reorder
            row[0] += 0 if (lv.sku_id, lv.lot_code) in expired else lv.available
            row[1] = max(row[1], lv.reorder_point)
            row[2] = max(row[2], lv.safety_stock)
        report = []
        for (w, s), (available, point, safety) in sorted(totals.items()):
            suggestion = suggest_reorder(
                sku_id=s,
                warehouse_id=w,
                available=available,
                reorder_point=point,
                safety_stock=safety,
                on_order=on_order.get((w, s), 0),
                sold_in_window=sold.get((w, s), 0),
                window_days=window_days,
                lead_time_days=lead.get(s, 7),
                cover_days=cover_days,
            )
            if suggestion is not None:
                report.append((whs[w], skus[s], suggestion))
    return report


__all__ = [
    "ChannelAts",
    "ChannelPolicyView",
    "ats_report",
    "flag_customer",
    "policy_from_row",
    "reorder_report",
    "set_policy",
    "set_warehouses",
    "show_policy",
]
