"""Shopify Payments payout + balance transactions (Admin GraphQL 2025-01) -> Settlement.

A balance transaction states `amount` (gross, signed), `fee` and `net` (= amount - fee);
the payout's transactions' nets add up to the payout's `net`. A CHARGE is a sale of its
`associatedOrder` (a GID, as the hub keeps Shopify order ids) plus a processing fee;
REFUND gives money back; reserves and holds are reserves; shipping labels, billing and
other charges Shopify takes are fees by their type; the rest are adjustments. TRANSFER
is the payout itself and is not a line. A WITHDRAWAL payout takes money from the bank.
https://shopify.dev/docs/api/admin-graphql/2025-01/objects/ShopifyPaymentsBalanceTransaction
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hub.domain.errors import InvalidValue
from hub.domain.money import Money
from hub.domain.settlements import LineKind, Settlement, SettlementLine
from mapping.payouts.common import day_of, money_of, need

__all__ = ["map_payout"]

_RESERVE = {
    "RESERVED_FUNDS",
    "RESERVED_FUNDS_WITHDRAWAL",
    "RESERVED_FUNDS_REVERSAL",
    "CHARGEBACK_HOLD",
    "CHARGEBACK_HOLD_RELEASE",
    "RISK_WITHDRAWAL",
    "RISK_REVERSAL",
}
_FEE = {
    "SHIPPING_LABEL",
    "BILLING_DEBIT",
    "BILLING_DEBIT_REVERSAL",
    "CHARGEBACK_FEE",
    "CHARGEBACK_FEE_REFUND",
    "STRIPE_FEE",
    "APPLICATION_FEE_REFUND",
    "SHIPPING_LABEL_ADJUSTMENT",
    "SHIPPING_LABEL_ADJUSTMENT_BASE",
    "SHIPPING_LABEL_ADJUSTMENT_SURCHARGE",
    "SHIPPING_RETURN_TO_ORIGIN_ADJUSTMENT",
    "SHIPPING_OTHER_CARRIER_CHARGE_ADJUSTMENT",
    "MARKETPLACE_FEE_CREDIT",
    "MARKETPLACE_FEE_CREDIT_REVERSAL",
}
_PAYOUT_ITSELF = {"TRANSFER", "TRANSFER_FAILURE", "TRANSFER_CANCEL", "TRANSFER_REFUND"}
_SETTLED = {"PAID"}


def _money(node: Any, field: str, where: str) -> Money:
    if not isinstance(node, Mapping):
        raise InvalidValue(field, node, "missing MoneyV2", where)
    return money_of(node.get("amount"), node.get("currencyCode"), field, where)


def map_payout(payload: Mapping[str, Any], channel: str) -> Settlement:
    payout = payload.get("payout")
    if not isinstance(payout, Mapping):
        raise InvalidValue("payout", payout, "missing", "shopify payout")
    pid = str(need(payout, "id", "shopify payout"))
    where = f"shopify payout {pid}"
    net = _money(payout.get("net"), "net", where)
    if payout.get("transactionType") == "WITHDRAWAL":
        net = -net
    status = str(need(payout, "status", where))
    settlement = Settlement(
        channel=channel,
        external_id=pid,
        paid_on=day_of(need(payout, "issuedAt", where), "issuedAt", where),
        net=net,
        status=status.lower(),
        settled=status in _SETTLED,
        gateway="shopify_payments",
        bank_reference=str(payout.get("legacyResourceId") or ""),
    )
    for n, tx in enumerate(payload.get("transactions") or []):
        settlement.lines += _lines(tx, f"{where} transactions[{n}]")
    return settlement


def _lines(tx: Any, where: str) -> list[SettlementLine]:
    if not isinstance(tx, Mapping):
        raise InvalidValue("transaction", tx, "not an object", where)
    kind = str(need(tx, "type", where))
    ref = str(need(tx, "id", where))
    where = f"{where} ({ref})"
    if kind in _PAYOUT_ITSELF:
        return []
    amount = _money(tx.get("amount"), "amount", where)
    fee = _money(tx.get("fee"), "fee", where)
    net = _money(tx.get("net"), "net", where)
    if amount - fee != net:
        raise InvalidValue("net", str(net.amount), f"amount {amount} - fee {fee} != net", where)
    order = tx.get("associatedOrder") or {}
    order_id = str(order["id"]) if isinstance(order, Mapping) and order.get("id") else None
    if kind == "CHARGE":
        main = LineKind.SALE
    elif kind in ("REFUND", "REFUND_FAILURE"):
        main = LineKind.REFUND
    elif kind in _RESERVE:
        main = LineKind.RESERVE
    elif kind in _FEE:
        main = LineKind.FEE
    else:
        main = LineKind.ADJUSTMENT
    fee_type = kind.lower() if main is LineKind.FEE else None
    lines = [
        SettlementLine(
            main, amount, order_id, fee_type, ref, str(tx.get("adjustmentReason") or kind)
        )
    ]
    if fee.amount:
        lines.append(
            SettlementLine(LineKind.FEE, -fee, order_id, "payment_processing", ref, f"{kind} fee")
        )
    return lines
