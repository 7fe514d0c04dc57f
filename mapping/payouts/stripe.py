"""Stripe payout + its balance transactions -> Settlement (WooCommerce shops paid through
Stripe). Amounts are integers in the currency's minor units. A balance transaction's
`amount` is gross, `fee` what Stripe kept (itemised in `fee_details` by type) and `net`
what reached the balance; the payout's own `payout` transaction is the payout itself.
The WooCommerce Stripe gateway writes the order id into the charge's `metadata.order_id`
(read from the expanded `source`).
https://docs.stripe.com/api/balance_transactions/object
https://docs.stripe.com/api/payouts/object
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hub.domain.errors import InvalidValue
from hub.domain.settlements import LineKind, Settlement, SettlementLine
from mapping.payouts.common import day_of, minor_money, need

__all__ = ["map_payout"]

_SALE = {"charge", "payment"}
_REFUND = {"refund", "payment_refund", "refund_failure", "payment_failure_refund"}
_RESERVE = {"reserve_transaction", "reserved_funds"}
_FEE = {"stripe_fee", "application_fee", "tax_fee", "network_cost"}
_PAYOUT_ITSELF = {"payout", "payout_cancel", "payout_failure"}


def map_payout(payload: Mapping[str, Any], channel: str) -> Settlement:
    payout = payload.get("payout")
    if not isinstance(payout, Mapping):
        raise InvalidValue("payout", payout, "missing", "stripe payout")
    pid = str(need(payout, "id", "stripe payout"))
    where = f"stripe payout {pid}"
    currency = need(payout, "currency", where)
    status = str(need(payout, "status", where))
    settlement = Settlement(
        channel=channel,
        external_id=pid,
        paid_on=day_of(need(payout, "arrival_date", where), "arrival_date", where),
        net=minor_money(payout.get("amount"), currency, "amount", where),
        status=status,
        settled=status == "paid",
        gateway="stripe",
        # What the bank statement shows: the descriptor, else Stripe's trace id.
        bank_reference=str(
            payout.get("statement_descriptor") or (payout.get("trace_id") or {}).get("value") or ""
        ),
    )
    for n, tx in enumerate(payload.get("transactions") or []):
        settlement.lines += _lines(tx, f"{where} transactions[{n}]")
    return settlement


def _order_of(source: Any) -> str | None:
    if not isinstance(source, Mapping):
        return None
    order = (source.get("metadata") or {}).get("order_id")
    return str(order) if order not in (None, "") else None


def _lines(tx: Any, where: str) -> list[SettlementLine]:
    if not isinstance(tx, Mapping):
        raise InvalidValue("balance_transaction", tx, "not an object", where)
    ref = str(need(tx, "id", where))
    where = f"{where} ({ref})"
    kind = str(need(tx, "type", where))
    if kind in _PAYOUT_ITSELF:
        return []
    currency = need(tx, "currency", where)
    amount = minor_money(tx.get("amount"), currency, "amount", where)
    fee = minor_money(tx.get("fee", 0), currency, "fee", where)
    net = minor_money(tx.get("net"), currency, "net", where)
    if amount - fee != net:
        raise InvalidValue("net", str(net.amount), f"amount {amount} - fee {fee} != net", where)
    order = _order_of(tx.get("source"))
    if kind in _SALE:
        main = LineKind.SALE
    elif kind in _REFUND:
        main = LineKind.REFUND
    elif kind in _RESERVE:
        main = LineKind.RESERVE
    elif kind in _FEE:
        main = LineKind.FEE
    else:
        main = LineKind.ADJUSTMENT
    lines = [
        SettlementLine(
            main,
            amount,
            order,
            kind if main is LineKind.FEE else None,
            ref,
            str(tx.get("description") or kind),
        )
    ]
    details = tx.get("fee_details") or []
    itemised = minor_money(0, currency, "fee", where)
    for d, detail in enumerate(details):
        part = minor_money(
            detail.get("amount"),
            detail.get("currency") or currency,
            f"fee_details[{d}].amount",
            where,
        )
        itemised = itemised + part
        fee_type = str(detail.get("type") or "stripe_fee")
        lines.append(
            SettlementLine(
                LineKind.FEE,
                -part,
                order,
                fee_type,
                ref,
                str(detail.get("description") or fee_type),
            )
        )
    if itemised != fee:
        if details:
            raise InvalidValue("fee_details", str(itemised.amount), f"!= fee {fee}", where)
        lines.append(SettlementLine(LineKind.FEE, -fee, order, "stripe_fee", ref, "fee"))
    return [ln for ln in lines if ln.amount.amount or ln.kind is not LineKind.FEE]
