"""Amazon SP-API Finances v0: a financial event group and its financial events ->
Settlement. Amounts are signed as Amazon gives them (fees and withheld tax negative).

- ShipmentEventList: per item, ItemChargeList (Principal, Tax, ShippingCharge, ...) is
  the sale, PromotionList lowers it, ItemFeeList are fees by FeeType (Commission,
  FBAPerUnitFulfillmentFee, ...), ItemTaxWithheldList is marketplace-facilitator tax
  Amazon keeps to remit itself.
- RefundEventList: the same shape under ShipmentItemAdjustmentList / *AdjustmentList.
- ServiceFeeEventList: account-level fees; AdjustmentEventList: adjustments.
- The group's BeginningBalance (money carried in, e.g. a reserve released) is a reserve
  line; OriginalTotal is what was transferred. Any other non-empty event list is refused
  by name rather than dropped, so no amount is silently lost.
https://developer-docs.amazon.com/sp-api/docs/finances-api-reference
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hub.domain.errors import InvalidValue
from hub.domain.money import Money
from hub.domain.settlements import LineKind, Settlement, SettlementLine
from mapping.payouts.common import day_of, money_of, need

__all__ = ["map_payout"]

_HANDLED = {"ShipmentEventList", "RefundEventList", "ServiceFeeEventList", "AdjustmentEventList"}


def _amount(node: Any, field: str, where: str) -> Money:
    if not isinstance(node, Mapping):
        raise InvalidValue(field, node, "missing Currency", where)
    return money_of(node.get("CurrencyAmount"), node.get("CurrencyCode"), field, where)


def map_payout(payload: Mapping[str, Any], channel: str) -> Settlement:
    group = payload.get("group")
    if not isinstance(group, Mapping):
        raise InvalidValue("group", group, "missing", "amazon financial event group")
    gid = str(need(group, "FinancialEventGroupId", "amazon financial event group"))
    where = f"amazon financial event group {gid}"
    status = str(need(group, "ProcessingStatus", where))
    transfer = str(group.get("FundTransferStatus") or "")
    paid = group.get("FundTransferDate") or group.get("FinancialEventGroupEnd")
    settlement = Settlement(
        channel=channel,
        external_id=gid,
        paid_on=day_of(paid or group.get("FinancialEventGroupStart"), "FundTransferDate", where),
        net=_amount(group.get("OriginalTotal"), "OriginalTotal", where),
        status=(transfer or status).lower(),
        settled=status == "Closed",
        bank_reference=str(group.get("TraceId") or ""),
    )
    begin = group.get("BeginningBalance")
    if isinstance(begin, Mapping):
        carried = _amount(begin, "BeginningBalance", where)
        if carried.amount:
            settlement.lines.append(
                SettlementLine(LineKind.RESERVE, carried, None, None, gid, "beginning balance")
            )
    events = payload.get("events") or {}
    for name, items in events.items():
        if items and name not in _HANDLED:
            raise InvalidValue(f"FinancialEvents.{name}", len(items), "not mapped yet", where)
    for n, event in enumerate(events.get("ShipmentEventList") or []):
        settlement.lines += _order_event(event, f"{where} ShipmentEventList[{n}]", refund=False)
    for n, event in enumerate(events.get("RefundEventList") or []):
        settlement.lines += _order_event(event, f"{where} RefundEventList[{n}]", refund=True)
    for n, event in enumerate(events.get("ServiceFeeEventList") or []):
        at = f"{where} ServiceFeeEventList[{n}]"
        order = event.get("AmazonOrderId") or None
        for fee in event.get("FeeList") or []:
            settlement.lines.append(_fee(fee, order, at, str(event.get("FeeReason") or "")))
    for n, event in enumerate(events.get("AdjustmentEventList") or []):
        at = f"{where} AdjustmentEventList[{n}]"
        kind = str(event.get("AdjustmentType") or "adjustment")
        settlement.lines.append(
            SettlementLine(
                LineKind.ADJUSTMENT,
                _amount(event.get("AdjustmentAmount"), "AdjustmentAmount", at),
                None,
                kind,
                at,
                kind,
            )
        )
    return settlement


def _fee(fee: Mapping[str, Any], order: str | None, where: str, ref: str) -> SettlementLine:
    kind = str(need(fee, "FeeType", where))
    amount = _amount(fee.get("FeeAmount"), f"FeeAmount ({kind})", where)
    return SettlementLine(LineKind.FEE, amount, order, kind, ref, kind)


def _order_event(event: Mapping[str, Any], where: str, *, refund: bool) -> list[SettlementLine]:
    order = str(need(event, "AmazonOrderId", where))
    sale = LineKind.REFUND if refund else LineKind.SALE
    suffix = "Adjustment" if refund else ""
    items = event.get(f"ShipmentItem{suffix}List" if refund else "ShipmentItemList") or []
    lines: list[SettlementLine] = []
    for charge in event.get(f"OrderCharge{suffix}List") or []:
        amount = _amount(charge.get("ChargeAmount"), "ChargeAmount", where)
        lines.append(
            SettlementLine(sale, amount, order, None, order, str(charge.get("ChargeType")))
        )
    for fee in event.get(f"ShipmentFee{suffix}List") or []:
        lines.append(_fee(fee, order, where, order))
    for fee in event.get(f"OrderFee{suffix}List") or []:
        lines.append(_fee(fee, order, where, order))
    for i, item in enumerate(items):
        at = f"{where} item[{i}]"
        ref = str(item.get("OrderItemId") or item.get("OrderAdjustmentItemId") or order)
        for charge in item.get(f"ItemCharge{suffix}List") or []:
            amount = _amount(charge.get("ChargeAmount"), "ChargeAmount", at)
            lines.append(
                SettlementLine(
                    sale, amount, order, None, ref, str(charge.get("ChargeType") or "charge")
                )
            )
        for promo in item.get(f"Promotion{suffix}List") or []:
            amount = _amount(promo.get("PromotionAmount"), "PromotionAmount", at)
            lines.append(
                SettlementLine(
                    sale, amount, order, None, ref, str(promo.get("PromotionType") or "promotion")
                )
            )
        for fee in item.get(f"ItemFee{suffix}List") or []:
            lines.append(_fee(fee, order, at, ref))
        for withheld in item.get("ItemTaxWithheldList") or []:
            model = str(withheld.get("TaxCollectionModel") or "MarketplaceFacilitator")
            for tax in withheld.get("TaxesWithheld") or []:
                amount = _amount(tax.get("ChargeAmount"), "TaxesWithheld.ChargeAmount", at)
                lines.append(
                    SettlementLine(
                        LineKind.TAX,
                        amount,
                        order,
                        None,
                        ref,
                        f"{model} {tax.get('ChargeType') or ''}".strip(),
                    )
                )
    return [ln for ln in lines if ln.amount.amount]
