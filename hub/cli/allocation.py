"""`hub order ...`, `hub channel policy ...`, `hub stock ats|reorder`: the allocator's CLI."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Annotated

import typer

from hub.cli.common import (
    JsonOpt,
    TenantOpt,
    actor,
    decimal_number,
    emit,
    table,
    tenant_uow,
    whole_number,
)
from hub.domain.allocation import ShortfallPolicy, SplitPolicy, Strategy
from hub.domain.errors import InvalidValue
from hub.services import stock_policy

if TYPE_CHECKING:
    from hub.services.allocation import AllocationResult

# The allocator, fulfilment and order push are imported inside the commands that use them:
# they pull in the connectors, requests, psycopg and metrics, which `hub stock report` (this
# module adds to the stock group) must not pay for.

order_app = typer.Typer(help="Allocate, ship, cancel and return orders.", no_args_is_help=True)
policy_app = typer.Typer(help="How a channel allocates and what it lists.", no_args_is_help=True)

Channel = Annotated[str, typer.Argument(help="Channel name.")]
External = Annotated[str, typer.Argument(help="The order's id on the channel.")]


def _result_line(r: AllocationResult) -> str:
    units = sum(x.quantity for x in r.reservations)
    reason = f" ({r.reason})" if r.reason else ""
    note = "" if r.changed else " [already allocated: nothing changed]"
    return f"order {r.order}: {r.status.value}, {units} unit(s) reserved{reason}{note}"


@order_app.command("allocate")
def order_allocate(
    channel: Channel, external_id: External, tenant: TenantOpt = None, as_json: JsonOpt = False
) -> None:
    """Reserve stock for the order (again: only the difference)."""
    from hub.services.allocation import allocate, find_order

    order_id, _ = find_order(tenant_uow(tenant), channel, external_id)
    result = allocate(tenant_uow(tenant), order_id, actor=actor())
    emit(result, as_json, lambda: _result_line(result))


@order_app.command("approve")
def order_approve(
    channel: Channel,
    external_id: External,
    rule: Annotated[
        list[str] | None,
        typer.Option(help="Release only this review rule (repeatable); default: all holding it."),
    ] = None,
    tenant: TenantOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Release an order from review or hold, and allocate it. The review rules holding it
    are released for good; the other rules run again and may hold it anew."""
    from hub.services.allocation import approve, find_order

    order_id, _ = find_order(tenant_uow(tenant), channel, external_id)
    result = approve(tenant_uow(tenant), order_id, actor=actor(), rules=rule or None)
    emit(result, as_json, lambda: _result_line(result))


@order_app.command("release")
def order_release(
    channel: Channel, external_id: External, tenant: TenantOpt = None, as_json: JsonOpt = False
) -> None:
    """Give back the order's reservations; it becomes ready to allocate again."""
    from hub.services import fulfilment
    from hub.services.allocation import find_order

    order_id, _ = find_order(tenant_uow(tenant), channel, external_id)
    status = fulfilment.release(tenant_uow(tenant), order_id, actor=actor())
    emit(
        {"order": external_id, "status": status},
        as_json,
        lambda: f"order {external_id}: {status.value}",
    )


@order_app.command("cancel")
def order_cancel(
    channel: Channel, external_id: External, tenant: TenantOpt = None, as_json: JsonOpt = False
) -> None:
    """Cancel an unshipped order, release its stock and tell the channel."""
    from hub.services import fulfilment
    from hub.services.allocation import find_order

    order_id, _ = find_order(tenant_uow(tenant), channel, external_id)
    status = fulfilment.cancel(tenant_uow(tenant), order_id, actor=actor(), tell_channel=True)
    emit(
        {"order": external_id, "status": status},
        as_json,
        lambda: f"order {external_id}: {status.value}",
    )


def _quantities(lines: dict[str, int], raw: list[str]) -> dict[int, int]:
    out = {}
    for item in raw:
        name, _, qty = item.partition("=")
        if name not in lines:
            raise InvalidValue("line", name, f"not a line of this order (lines: {sorted(lines)})")
        out[lines[name]] = whole_number("quantity", qty, record=f"line {name}")
    return out


@order_app.command("ship")
def order_ship(
    channel: Channel,
    external_id: External,
    line: Annotated[
        list[str] | None, typer.Option(help="LINE=QTY to ship part; default all.")
    ] = None,
    carrier: Annotated[str, typer.Option(help="Carrier name, told to the channel.")] = "",
    tracking: Annotated[str, typer.Option(help="Tracking number, told to the channel.")] = "",
    tenant: TenantOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Commit reservations (the goods left the warehouse they were reserved in) and tell
    the channel, with the carrier and tracking number."""
    from hub.services import fulfilment
    from hub.services.allocation import find_order
    from hub.services.order_push import Tracking

    order_id, lines = find_order(tenant_uow(tenant), channel, external_id)
    quantities = _quantities(lines, line) if line else None
    status = fulfilment.ship(
        tenant_uow(tenant),
        order_id,
        actor=actor(),
        quantities=quantities,
        tracking=Tracking(carrier, tracking),
    )
    emit(
        {"order": external_id, "status": status},
        as_json,
        lambda: f"order {external_id}: {status.value}",
    )


@order_app.command("return")
def order_return(
    channel: Channel,
    external_id: External,
    line: Annotated[str, typer.Option(help="The line (external id or channel SKU).")],
    qty: Annotated[int, typer.Option("--qty", help="Units returned.")],
    warehouse: Annotated[str, typer.Option(help="Warehouse code to restock into.")],
    lot: Annotated[str | None, typer.Option(help="Lot code (lot-tracked SKUs).")] = None,
    tenant: TenantOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Restock returned units of a shipped line."""
    from hub.services import fulfilment
    from hub.services.allocation import find_order

    order_id, lines = find_order(tenant_uow(tenant), channel, external_id)
    if line not in lines:
        raise InvalidValue("line", line, f"not a line of order {external_id}")
    m = fulfilment.return_items(
        tenant_uow(tenant), order_id, lines[line], qty, warehouse, actor=actor(), lot=lot
    )
    emit(m, as_json, lambda: f"returned {qty} to {warehouse} (movement #{m.id})")


@order_app.command("flag-customer")
def flag_customer(
    email: Annotated[str, typer.Argument(help="Customer e-mail address.")],
    reason: Annotated[str, typer.Option(help="Why (shown when an order is held).")] = "",
    tenant: TenantOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Hold this customer's orders for review."""
    stock_policy.flag_customer(tenant_uow(tenant), email, reason)
    emit({"flagged": email}, as_json, lambda: f"orders from {email} will wait for review")


def _policy_text(view: stock_policy.ChannelPolicyView) -> str:
    p = view.policy
    return "\n".join(
        [
            f"channel {view.channel}: sells from {', '.join(view.warehouses) or '(no warehouse)'}",
            f"strategy={p.strategy.value} split={p.split.value} shortfall={p.shortfall.value}",
            f"buffer={p.buffer} share={p.share} max_to_list={p.max_to_list} end_when={p.end_when}",
            f"review: over={p.review_over_amount} missing_country={p.review_missing_country}",
        ]
    )


@policy_app.command("show")
def policy_show(channel: Channel, tenant: TenantOpt = None, as_json: JsonOpt = False) -> None:
    """The channel's allocation and listing policy."""
    view = stock_policy.show_policy(tenant_uow(tenant), channel)
    emit(view, as_json, lambda: _policy_text(view))


@policy_app.command("warehouses")
def policy_warehouses(
    channel: Channel,
    codes: Annotated[list[str], typer.Argument(help="Warehouse codes, most preferred first.")],
    tenant: TenantOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Set the warehouses the channel sells from (replaces the list)."""
    view = stock_policy.set_warehouses(tenant_uow(tenant), channel, codes)
    emit(view, as_json, lambda: _policy_text(view))


def _decimal(field: str, raw: str | None) -> Decimal | None:
    return None if raw is None else decimal_number(field, raw, record="allocation policy")


@policy_app.command("set")
def policy_set(
    channel: Channel,
    strategy: Annotated[
        Strategy | None, typer.Option(help="How a warehouse is chosen for an order.")
    ] = None,
    split: Annotated[
        SplitPolicy | None, typer.Option(help="Whether an order may ship from several warehouses.")
    ] = None,
    shortfall: Annotated[
        ShortfallPolicy | None, typer.Option(help="What to do when stock is short.")
    ] = None,
    buffer: Annotated[int | None, typer.Option(help="Units held back from the channel.")] = None,
    share: Annotated[str | None, typer.Option(help="Fraction 0..1 of the pool to list.")] = None,
    max_to_list: Annotated[int | None, typer.Option(help="Cap on the listed quantity.")] = None,
    end_when: Annotated[int | None, typer.Option(help="List 0 at or below this.")] = None,
    review_over: Annotated[str | None, typer.Option(help="Review orders above this total.")] = None,
    review_missing_country: Annotated[
        bool | None, typer.Option(help="Hold orders without a shipping country for review.")
    ] = None,
    tenant: TenantOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Change some fields of the channel's allocation policy."""
    changes = {
        "strategy": strategy,
        "split": split,
        "shortfall": shortfall,
        "buffer": buffer,
        "share": _decimal("share", share),
        "max_to_list": max_to_list,
        "end_when": end_when,
        "review_over_amount": _decimal("review_over", review_over),
        "review_missing_country": review_missing_country,
    }
    given = {k: v for k, v in changes.items() if v is not None}
    view = stock_policy.set_policy(tenant_uow(tenant), channel, **given)
    emit(view, as_json, lambda: _policy_text(view))


def stock_ats(
    channel: Annotated[str | None, typer.Option(help="Only this channel.")] = None,
    tenant: TenantOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Available-to-sell per channel and SKU (what the storefronts should show)."""
    rows = stock_policy.ats_report(tenant_uow(tenant), channel)
    emit(
        rows,
        as_json,
        lambda: table(
            [[r.channel, r.sku, str(r.pooled), str(r.available), r.bundle] for r in rows],
            ["channel", "sku", "pooled", "available", "bundle"],
        ),
    )


def stock_reorder(
    window_days: Annotated[int, typer.Option(help="Sales window for velocity.")] = 30,
    cover_days: Annotated[int, typer.Option(help="Days of sales to buy for.")] = 30,
    tenant: TenantOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """SKUs at or below their reorder point, with a suggested purchase quantity."""
    rows = stock_policy.reorder_report(
        tenant_uow(tenant), window_days=window_days, cover_days=cover_days
    )
    data = [{"warehouse": w, "sku": s, **vars(x)} for w, s, x in rows]
    emit(
        data,
        as_json,
        lambda: table(
            [
                [
                    w,
                    s,
                    str(x.available),
                    str(x.reorder_point),
                    str(x.on_order),
                    str(x.daily_velocity),
                    str(x.suggested),
                ]
                for w, s, x in rows
            ],
            ["warehouse", "sku", "available", "reorder_at", "on_order", "per_day", "suggest"],
        ),
    )


def register(app: typer.Typer, channel_app: typer.Typer, stock_app: typer.Typer) -> None:
    """Attach the allocator's commands to the main CLI (one line in hub/cli/__init__.py)."""
    app.add_typer(order_app, name="order")
    channel_app.add_typer(policy_app, name="policy")
    stock_app.command("ats")(stock_ats)
    stock_app.command("reorder")(stock_reorder)
