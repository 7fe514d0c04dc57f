"""eBay Finances API (sell/finances/v1): a payout and its transactions -> Settlement.

A transaction's `amount` is what moved the seller's balance, after fees, with
`bookingEntry` CREDIT or DEBIT giving the sign. For a SALE the seller's gross is
`amount` + `totalFeeAmount`; the fees are itemised per order line in
`orderLineItems[].marketplaceFees[]` by `feeType` (FINAL_VALUE_FEE, ...). Tax eBay
collects and remits (`ebayCollectedTaxAmount`) never reaches the seller: it is booked as
part of the sale and withheld again, so the per-order figure matches the order's
seller total. SHIPPING_LABEL and NON_SALE_CHARGE are fees; DISPUTE and ADJUSTMENT are
adjustments; CREDIT is an adjustment in the seller's favour; TRANSFER pays eBay back.
https://developer.ebay.com/api-docs/sell/finances/resources/transaction/methods/getTransactions
https://developer.ebay.com/api-docs/sell/finances/resources/payout/methods/getPayouts
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hub.domain.errors import InvalidValue
from hub.domain.money import Money, total
from hub.domain.settlements import LineKind, Settlement, SettlementLine
from mapping.payouts.common import day_of, money_of, need

__all__ = ["map_payout"]

_FEES = {"SHIPPING_LABEL", "NON_SALE_CHARGE"}
_SETTLED = {"SUCCEEDED"}


def _amount(node: Any, field: str, where: str) -> Money:
    if not isinstance(node, Mapping):
        raise InvalidValue(field, node, "missing Amount", where)
    return money_of(node.get("value"), node.get("currency"), field, where)


def map_payout(payload: Mapping[str, Any], channel: str) -> Settlement:
    payout = payload.get("payout")
    if not isinstance(payout, Mapping):
        raise InvalidValue("payout", payout, "missing", "ebay payout")
    pid = str(need(payout, "payoutId", "ebay payout"))
    where = f"ebay payout {pid}"
    status = str(need(payout, "payoutStatus", where))
    settlement = Settlement(
        channel=channel,
        external_id=pid,
        paid_on=day_of(need(payout, "payoutDate", where), "payoutDate", where),
        net=_amount(payout.get("amount"), "amount", where),
        status=status.lower(),
        settled=status in _SETTLED,
        bank_reference=str(payout.get("bankReference") or ""),
    )
    for n, tx in enumerate(payload.get("transactions") or []):
        settlement.lines += _lines(tx, f"{where} transactions[{n}]")
    return settlement


def _lines(tx: Mapping[str, Any], where: str) -> list[SettlementLine]:
    ref = str(need(tx, "transactionId", where))
    where = f"{where} ({ref})"
    kind = str(need(tx, "transactionType", where))
    entry = str(need(tx, "bookingEntry", where))
    if entry not in ("CREDIT", "DEBIT"):
        raise InvalidValue("bookingEntry", entry, "CREDIT or DEBIT", where)
    sign = 1 if entry == "CREDIT" else -1
    amount = _amount(tx.get("amount"), "amount", where).times(sign)
    order = str(tx["orderId"]) if tx.get("orderId") else None
    cur = amount.currency
    if kind in ("SALE", "REFUND"):
        fee_lines: list[SettlementLine] = []
        for i, item in enumerate(tx.get("orderLineItems") or []):
            for fee in item.get("marketplaceFees") or []:
                fee_type = str(fee.get("feeType") or "MARKETPLACE_FEE")
                part = _amount(fee.get("amount"), f"orderLineItems[{i}].marketplaceFees", where)
                # A fee is charged on a sale and credited back on a refund.
                fee_lines.append(
                    SettlementLine(LineKind.FEE, part.times(-sign), order, fee_type, ref, fee_type)
                )
        fees = total([-f.amount for f in fee_lines], cur)
        stated = tx.get("totalFeeAmount")
        if stated is not None:
            total_fee = _amount(stated, "totalFeeAmount", where).times(sign)
            if fee_lines and total_fee != fees:
                raise InvalidValue(
                    "totalFeeAmount", str(total_fee.amount), f"!= marketplace fees {fees}", where
                )
            if not fee_lines and total_fee.amount:
                fee_lines.append(
                    SettlementLine(LineKind.FEE, -total_fee, order, "MARKETPLACE_FEE", ref, "fees")
                )
            fees = total_fee
        tax = tx.get("ebayCollectedTaxAmount") or tx.get("eBayCollectedTaxAmount")
        withheld = _amount(tax, "ebayCollectedTaxAmount", where).times(sign) if tax else None
        gross = amount + fees + (withheld or Money.zero(cur))
        main = LineKind.SALE if kind == "SALE" else LineKind.REFUND
        lines = [SettlementLine(main, gross, order, None, ref, kind), *fee_lines]
        if withheld is not None and withheld.amount:
            lines.append(
                SettlementLine(
                    LineKind.TAX, -withheld, order, None, ref, "tax collected and remitted by eBay"
                )
            )
        return lines
    if kind in _FEES:
        fee_type = str(tx.get("feeType") or kind)
        return [SettlementLine(LineKind.FEE, amount, order, fee_type, ref, kind)]
    return [SettlementLine(LineKind.ADJUSTMENT, amount, order, kind.lower(), ref, kind)]
