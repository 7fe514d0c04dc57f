"""Which platform statuses hold stock and which may ship, per channel (mapping.statuses
stock rules: defaults per platform, overrides in the channel's settings["stock_statuses"],
status word -> {"holds_stock": bool, "may_ship": bool})."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.db import tables as t
from hub.db.unit_of_work import UnitOfWork
from hub.domain.errors import InvalidValue
from hub.domain.orders import Order, OrderStatus
from mapping.statuses import StockRule, stock_rule, stock_rules_for

__all__ = ["check_may_ship", "hold_stock_per_status", "set_stock_rule", "stock_rules"]

S = OrderStatus
_CHANNEL_HOLD = "channel status "  # the reason mapping.statuses gives a platform's hold


def _overrides(settings: dict[str, Any] | None) -> list[StockRule]:
    found = (settings or {}).get("stock_statuses") or {}
    return [
        StockRule(str(value), bool(rule.get("holds_stock")), bool(rule.get("may_ship")))
        for value, rule in found.items()
        if isinstance(rule, dict)
    ]


def hold_stock_per_status(order: Order, platform: str, settings: dict[str, Any] | None) -> None:
    """A freshly mapped order whose platform status holds stock is READY to be allocated
    even though the platform has not released it (WooCommerce on-hold); whether it may
    ship is checked when it ships (check_may_ship)."""
    rule = stock_rule(platform, order.platform_status, _overrides(settings))
    if rule is None or not rule.holds_stock:
        return
    held_by_platform = order.status is S.ON_HOLD and (order.status_reason or "").startswith(
        _CHANNEL_HOLD
    )
    if held_by_platform or order.status is S.PENDING_REVIEW:
        order.status, order.status_reason = S.READY, None


def check_may_ship(session: Session, order_id: int, label: str) -> None:
    """Refuse to ship an order whose platform status may not ship (on-hold: unpaid)."""
    o, c = t.orders.c, t.channels.c
    row = session.execute(
        select(o.platform_status, c.platform, c.name, c.settings)
        .join(t.channels, c.id == o.channel_id)
        .where(o.id == order_id)
    ).first()
    if row is None:
        return
    rule = stock_rule(row.platform, row.platform_status, _overrides(row.settings))
    if rule is not None and not rule.may_ship:
        raise InvalidValue(
            "platform_status",
            row.platform_status,
            f"may not ship yet on channel {row.name} (its stock rule holds the stock only); "
            "ship once the platform releases it, or change the rule with "
            "`hub mapping status stock`",
            record=label,
        )


def set_stock_rule(
    uow: UnitOfWork, channel_name: str, value: str, *, holds_stock: bool, may_ship: bool
) -> StockRule:
    if not value.strip():
        raise InvalidValue("value", value, "name the platform's status word", "stock rule")
    with uow:
        channel = uow.channels.by_key(channel_name)
        settings = dict(channel.settings or {})
        rules = dict(settings.get("stock_statuses") or {})
        rules[value] = {"holds_stock": holds_stock, "may_ship": may_ship}
        settings["stock_statuses"] = rules
        channel.settings = settings
        uow.commit()
    return StockRule(value, holds_stock, may_ship)


def stock_rules(uow: UnitOfWork, channel_name: str) -> list[StockRule]:
    """The channel's effective stock rules (defaults with its overrides)."""
    with uow:
        channel = uow.channels.by_key(channel_name)
        rules = stock_rules_for(channel.platform, _overrides(channel.settings))
    return sorted(rules.values(), key=lambda rule: rule.value)
