"""`hub stock ...` and `hub po ...`: move stock and prove the ledger."""

from __future__ import annotations

from typing import Annotated

import typer

from hub.cli.common import JsonOpt, TenantOpt, actor, emit, money, table, tenant_uow, whole_number
from hub.domain.errors import InvalidValue
from hub.domain.inventory import Movement
from hub.domain.money import Money
from hub.services import inventory, purchasing, valuation

stock_app = typer.Typer(help="Stock levels, movements and the ledger check.", no_args_is_help=True)
po_app = typer.Typer(help="Purchase orders and receipts.", no_args_is_help=True)

Reason = Annotated[str, typer.Option(help="Why: kept on the ledger row.")]
Lot = Annotated[str | None, typer.Option(help="Lot code (lot-tracked SKUs).")]
Qty = Annotated[int, typer.Option("--qty", help="Quantity (whole units).")]
Warehouse = Annotated[str, typer.Argument(help="Warehouse code.")]
Sku = Annotated[str, typer.Argument(help="SKU code.")]
WarehouseArg = Annotated[str, typer.Argument(help="Warehouse code.")]
SkuArg = Annotated[str, typer.Argument(help="SKU code.")]


def _movement_line(m: Movement | None) -> str:
    if m is None:
        return "count matches the balance: nothing recorded"
    sign = "+" if m.on_hand_delta >= 0 else ""
    return f"recorded {m.kind.value} {sign}{m.on_hand_delta} (movement #{m.id})"


@stock_app.command("adjust")
def adjust(
    warehouse: WarehouseArg,
    sku: SkuArg,
    count: Annotated[int, typer.Option(help="Units physically counted.")],
    reason: Reason = "cycle count",
    lot: Lot = None,
    tenant: TenantOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Cycle count: record the absolute count; the ledger gets the difference."""
    m = inventory.adjust_to_count(
        tenant_uow(tenant), warehouse, sku, count, actor=actor(), reason=reason, lot=lot
    )
    emit(m, as_json, lambda: _movement_line(m))


@stock_app.command("transfer")
def transfer(
    sku: Annotated[str, typer.Argument(help="SKU code.")],
    from_: Annotated[str, typer.Option("--from", help="Source warehouse code.")],
    to: Annotated[str, typer.Option("--to", help="Target warehouse code.")],
    qty: Qty,
    reason: Reason = "transfer",
    lot: Lot = None,
    tenant: TenantOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Move stock between two warehouses (two ledger rows, one reference)."""
    out, into = inventory.transfer(
        tenant_uow(tenant), from_, to, sku, qty, actor=actor(), reason=reason, lot=lot
    )
    emit([out, into], as_json, lambda: f"moved {qty} x {sku} {from_} -> {to} ({out.reference})")


@stock_app.command("scrap")
def scrap(
    warehouse: WarehouseArg,
    sku: SkuArg,
    qty: Qty,
    reason: Reason = "scrap",
    lot: Lot = None,
    tenant: TenantOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Write stock off (damaged, lost, expired)."""
    m = inventory.scrap(
        tenant_uow(tenant), warehouse, sku, qty, actor=actor(), reason=reason, lot=lot
    )
    emit(m, as_json, lambda: _movement_line(m))


@stock_app.command("return")
def return_(
    warehouse: WarehouseArg,
    sku: SkuArg,
    qty: Qty,
    reason: Reason = "customer return",
    lot: Lot = None,
    reference: Annotated[str | None, typer.Option(help="e.g. the order or RMA number")] = None,
    tenant: TenantOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Put returned units back on hand."""
    m = inventory.return_to_stock(
        tenant_uow(tenant),
        warehouse,
        sku,
        qty,
        actor=actor(),
        reason=reason,
        lot=lot,
        reference=reference,
    )
    emit(m, as_json, lambda: _movement_line(m))


@stock_app.command("safety")
def safety(
    warehouse: WarehouseArg,
    sku: SkuArg,
    qty: Qty,
    reorder_point: Annotated[
        int | None, typer.Option(help="Reorder when available falls to this.")
    ] = None,
    lot: Lot = None,
    tenant: TenantOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Set safety stock (and optionally the reorder point) for one SKU in one warehouse."""
    level = inventory.set_safety_stock(
        tenant_uow(tenant), warehouse, sku, qty, lot=lot, reorder_point=reorder_point
    )
    emit(level, as_json, lambda: f"safety stock {level.safety_stock}, available {level.available}")


@stock_app.command("set-cost")
def set_cost(
    sku: SkuArg,
    amount: Annotated[str, typer.Argument(help="Unit cost, e.g. 12.50.")],
    currency: Annotated[str, typer.Option(help="ISO 4217 currency.")] = "USD",
    tenant: TenantOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """The catalog unit cost: starts the moving average of a SKU never received at a
    price (then `hub books post --retry-held` values its held inventory journals)."""
    cost = money("unit_cost", amount, currency, f"sku {sku}")
    valuation.set_catalog_cost(tenant_uow(tenant), sku, cost)
    emit({"sku": sku, "unit_cost": str(cost.amount), "currency": cost.currency}, as_json,
         lambda: f"sku {sku}: catalog unit cost {cost}")  # fmt: skip


@stock_app.command("report")
def report(tenant: TenantOpt = None, as_json: JsonOpt = False) -> None:
    """On hand, reserved, safety stock and available per warehouse, SKU and lot."""
    lines = inventory.stock_report(tenant_uow(tenant))
    emit(
        lines,
        as_json,
        lambda: table(
            [
                [
                    ln.sku,
                    ln.warehouse,
                    ln.lot or "-",
                    str(ln.on_hand),
                    str(ln.reserved),
                    str(ln.safety_stock),
                    str(ln.available),
                ]
                for ln in lines
            ],
            ["sku", "warehouse", "lot", "on_hand", "reserved", "safety", "available"],
        ),
    )


@stock_app.command("verify")
def verify(tenant: TenantOpt = None, as_json: JsonOpt = False) -> None:
    """Prove every balance equals the sum of its movements; exit 1 on any drift."""
    drifts = inventory.verify_ledger(tenant_uow(tenant))
    emit(
        {"ok": not drifts, "drifts": drifts},
        as_json,
        lambda: (
            "ledger ok: every balance equals the sum of its movements"
            if not drifts
            else "LEDGER DRIFT\n"
            + table(
                [
                    [
                        str(d.warehouse_id),
                        str(d.sku_id),
                        d.lot or "-",
                        str(d.on_hand),
                        str(d.on_hand_from_ledger),
                        str(d.reserved),
                        str(d.reserved_from_ledger),
                    ]
                    for d in drifts
                ],
                [
                    "warehouse",
                    "sku",
                    "lot",
                    "on_hand",
                    "ledger_on_hand",
                    "reserved",
                    "ledger_reserved",
                ],
            )
        ),
    )
    if drifts:
        raise typer.Exit(1)


@po_app.command("create")
def po_create(
    number: Annotated[str, typer.Argument(help="Purchase order number.")],
    supplier: Annotated[str, typer.Option(help="Supplier code.")],
    warehouse: Annotated[str, typer.Option(help="Warehouse the goods go to.")],
    line: Annotated[list[str], typer.Option(help="SKU:QTY:UNIT_COST, repeatable")],
    tenant: TenantOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Create a purchase order (unit costs in the supplier's currency, never rounded)."""
    parsed: list[tuple[str, int, str]] = []
    for i, raw in enumerate(line, start=1):
        parts = raw.split(":")
        if len(parts) != 3:
            raise InvalidValue(f"line[{i}]", raw, "expected SKU:QTY:UNIT_COST")
        parsed.append((parts[0], whole_number(f"line[{i}].qty", parts[1]), parts[2]))
    uow = tenant_uow(tenant)
    with uow:
        currency = uow.suppliers.by_key(supplier).currency
    po = purchasing.create_purchase_order(
        uow,
        number,
        supplier,
        warehouse,
        [
            (sku, qty, money(f"line[{i}].unit_cost", cost, currency))
            for i, (sku, qty, cost) in enumerate(parsed, start=1)
        ],
    )
    emit(po, as_json, lambda: f"created purchase order {po.number} with {len(po.lines)} lines")


@po_app.command("receive")
def po_receive(
    number: Annotated[str, typer.Argument(help="Purchase order number.")],
    line: Annotated[list[str], typer.Option(help="SKU:QTY received now, repeatable")],
    lot: Annotated[list[str] | None, typer.Option(help="SKU:LOT for lot-tracked SKUs")] = None,
    landed: Annotated[
        list[str] | None,
        typer.Option(
            help="KIND:AMOUNT paid on top (freight:30.00, duty:12.50), in the PO's currency;"
            " apportioned over the lines by value into their cost. Repeatable."
        ),
    ] = None,
    tenant: TenantOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Receive goods against a purchase order (on hand goes up)."""
    quantities: dict[str, int] = {}
    for i, raw in enumerate(line, start=1):
        sku, sep, qty = raw.partition(":")
        if not sep:
            raise InvalidValue(f"line[{i}]", raw, "expected SKU:QTY")
        quantities[sku] = whole_number(f"line[{i}].qty", qty)
    lots = dict(raw.partition(":")[::2] for raw in (lot or []))
    receipt = purchasing.receive_purchase_order(
        tenant_uow(tenant),
        number,
        quantities,
        actor=actor(),
        lots=lots,
        landed=_landed(tenant, number, landed or []),
    )
    emit(
        receipt,
        as_json,
        lambda: (
            f"received {sum(ln.quantity for ln in receipt.lines)} units "
            f"on {number} (receipt #{receipt.id})"
        ),
    )


def _landed(tenant: str | None, number: str, raw: list[str]) -> list[tuple[str, Money]]:
    if not raw:
        return []
    currency = purchasing.purchase_order_currency(tenant_uow(tenant), number)
    out = []
    for i, item in enumerate(raw, start=1):
        kind, sep, amount = item.partition(":")
        if not sep or not kind:
            raise InvalidValue(f"landed[{i}]", item, "expected KIND:AMOUNT")
        out.append((kind, money(f"landed[{i}].amount", amount, currency, f"po {number}")))
    return out
