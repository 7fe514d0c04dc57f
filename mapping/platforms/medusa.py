"""Medusa v2 admin order (the ORDER_FIELDS the connector asks for) -> hub Order.

Amounts are JSON numbers in major units and are *not* rounded (a tax-inclusive tax total
comes as 7.951260504201681): every figure is read as the Decimal of the digits Medusa
wrote, summed unrounded, and rounded once to the currency. ``is_tax_inclusive`` on a
line or shipping method says its price already contains its tax lines.

Discounts follow Medusa's own totals (getLineItemTotals in @medusajs/utils):
``discount_subtotal`` is the discount net of tax, ``discount_total`` adds the tax the
discount took away, and ``tax_total`` is already the tax on the discounted price. So a
tax-exclusive line or shipping method is discounted by ``discount_subtotal`` (its tax
stands apart, already reduced), a tax-inclusive one by ``discount_total`` (its gross
price loses the discount with its tax). The same holds for shipping methods: a free
shipping promotion is an adjustment on the method, and its price is what is left.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from hub.domain.money import Money
from hub.domain.orders import Order, OrderLine, ShippingLine, TaxLine
from mapping.converters import currency_code, utc_datetime
from mapping.mapper import Context, Record
from mapping.platforms.common import money_at, rate_of
from mapping.statuses import Rule, resolve_status

__all__ = ["map_order"]


def _exact(value: Any) -> Decimal:
    return Decimal(repr(value)) if isinstance(value, float) else Decimal(str(value or 0))


def _discount(owner: Record, currency: str) -> Money:
    """What is taken off ``owner``'s price, on the same tax footing as that price."""
    key = "discount_total" if owner.get("is_tax_inclusive") else "discount_subtotal"
    if owner.get(key) is None:  # an older answer without the split: the only figure there is
        key = "discount_total"
    return money_at(owner, key, currency)


def _line(item: Record, currency: str) -> OrderLine:
    return OrderLine(
        channel_sku=str(item.get("variant_sku") or f"#{item.get('variant_id') or 'custom'}"),
        quantity=int(item["quantity"]),
        unit_price=money_at(item, "unit_price", currency),
        title=str(item.get("title") or ""),
        discount=_discount(item, currency),
        tax=money_at(item, "tax_total", currency),
        external_id=str(item["id"]),
        raw=dict(item),
    )


def _tax_lines(record: Record, currency: str) -> list[TaxLine]:
    """One tax line per tax code, over items and shipping methods, rounded once."""
    sums: dict[tuple[str, Decimal, bool], Decimal] = {}
    owners = [*(record.get("items") or []), *(record.get("shipping_methods") or [])]
    for owner in owners:
        inclusive = bool(owner.get("is_tax_inclusive"))
        for tax in owner.get("tax_lines") or []:
            title = str(tax.get("code") or tax.get("description") or "tax")
            key = (title, rate_of(tax.get("rate"), "tax_lines.rate") / 100, inclusive)
            sums[key] = sums.get(key, Decimal(0)) + _exact(tax.get("total"))
    return [
        TaxLine(title, rate, Money.of(amount, currency), inclusive=inclusive)
        for (title, rate, inclusive), amount in sums.items()
    ]


def map_order(record: Record, context: Context) -> Order:
    currency = currency_code(str(record["currency_code"]).upper(), context)
    channel = str(context.extra.get("channel_name", context.channel_id))
    overrides: list[Rule] = list(context.extra.get("status_overrides", ()))
    observed = {k: record.get(k) for k in ("status", "payment_status", "fulfillment_status")}
    decision = resolve_status("medusa", observed, channel=channel, overrides=overrides)
    address = record.get("shipping_address") or {}
    name = " ".join(p for p in (address.get("first_name"), address.get("last_name")) if p)
    order = Order(
        tenant_id=context.tenant_id,
        channel_id=context.channel_id,
        external_id=str(record["id"]),
        currency=currency,
        placed_at=utc_datetime(record["created_at"], context),
        platform_updated_at=utc_datetime(record["updated_at"], context),
        status=decision.status,
        status_reason=decision.reason,
        customer_email=record.get("email") or None,
        customer_name=name or None,
        ship_to=dict(address),
    )
    for item in record.get("items") or []:
        order.add_line(_line(item, currency))
    order.shipping_lines = [
        ShippingLine(
            str(m.get("name") or "shipping"),
            money_at(m, "amount", currency) - _discount(m, currency),
        )
        for m in record.get("shipping_methods") or []
    ]
    order.tax_lines = _tax_lines(record, currency)
    return order
