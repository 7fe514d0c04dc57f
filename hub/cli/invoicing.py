"""`hub order release-invoice`: lift the totals self-check's hold once an operator has
compared the order with the platform (audited)."""

from __future__ import annotations

from typing import Annotated

import typer

from hub.cli.common import JsonOpt, TenantOpt, actor, emit, tenant_uow

__all__ = ["register"]


def release_invoice(
    channel: Annotated[str, typer.Argument(help="Channel name.")],
    external_id: Annotated[str, typer.Argument(help="The order's id on the channel.")],
    note: Annotated[str, typer.Option("--note", help="Why (kept in the audit trail).")] = "",
    tenant: TenantOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Let a held order be invoiced: its totals were checked against the platform."""
    # Imported here: this command sits in the order group, which `hub stock ...` also loads.
    from hub.services.allocation import find_order
    from hub.services.totals_check import release_invoice_hold

    order_id, _ = find_order(tenant_uow(tenant), channel, external_id)
    release_invoice_hold(tenant_uow(tenant), order_id, actor=actor(), note=note)
    emit(
        {"order": external_id, "invoice_hold": None},
        as_json,
        lambda: f"order {external_id}: may be invoiced",
    )


def register(order_app: typer.Typer) -> None:
    order_app.command("release-invoice")(release_invoice)
