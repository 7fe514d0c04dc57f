"""`hub books terms` and `hub books bill-paid`: what the aged reports need that the hub
does not learn from the channels (payment terms, payments to suppliers)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Annotated

import typer

from hub.cli.common import JsonOpt, TenantOpt, emit, tenant_uow
from hub.domain.errors import InvalidValue

__all__ = ["register"]


def terms(
    days: Annotated[int, typer.Argument(help="Days from the document's date to its due date.")],
    channel: Annotated[str | None, typer.Option("--channel", help="Channel name.")] = None,
    supplier: Annotated[str | None, typer.Option("--supplier", help="Supplier code.")] = None,
    tenant: TenantOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Payment terms of a channel or a supplier, for the aged reports (0: due at once)."""
    from hub.services.finance_reports import set_terms

    if (channel is None) == (supplier is None):
        raise InvalidValue("party", None, "give --channel or --supplier (one)", "terms")
    kind, party = ("channel", channel) if channel is not None else ("supplier", supplier)
    assert party is not None
    set_terms(tenant_uow(tenant), kind, party, days)
    emit(
        {"party_kind": kind, "party": party, "days": days},
        as_json,
        lambda: f"{kind} {party}: due {days} days after the document's date",
    )


def bill_paid(
    key: Annotated[str, typer.Argument(help="The bill's document key (hub books documents).")],
    connection: Annotated[str, typer.Option("--connection", help="Accounting connection name.")],
    paid_on: Annotated[str, typer.Option("--date", help="YYYY-MM-DD the supplier was paid.")],
    amount: Annotated[
        str | None, typer.Option("--amount", help="Paid (default: all that is open).")
    ] = None,
    reference: Annotated[str, typer.Option("--reference", help="Bank or cheque ref.")] = "",
    tenant: TenantOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Record a payment to a supplier against a bill (the hub has none of its own)."""
    from hub.services.finance_reports import record_bill_payment

    try:
        day = date.fromisoformat(paid_on)
    except ValueError:
        raise InvalidValue("date", paid_on, "use YYYY-MM-DD", key) from None
    try:
        value = Decimal(amount) if amount is not None else None
    except InvalidOperation:
        raise InvalidValue("amount", amount, "not a number", key) from None
    done = record_bill_payment(tenant_uow(tenant), connection, key, day, value, reference)
    emit(
        done,
        as_json,
        lambda: f"{key}: paid {done['paid']} {done['currency']}, {done['open']} still open",
    )


def register(books_app: typer.Typer) -> None:
    books_app.command("terms")(terms)
    books_app.command("bill-paid")(bill_paid)
