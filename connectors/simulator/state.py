"""The simulator's memory: generated orders, stock per platform key, rate buckets, and a
log of every stock write (what the bench reads to time a change reaching the platform).
Shapes follow the official documents the connectors are tested against: Shopify order
nodes as our ORDERS query selects them, WooCommerce orders as ``_orders.md`` shows."""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

__all__ = ["Bucket", "Listing", "SimState"]

LOCATION = "gid://shopify/Location/1"


@dataclass
class Bucket:
    """A leaky bucket like the platform's: ``take`` says whether the cost fits now and,
    if not, how long until it would."""

    capacity: float
    rate: float
    level: float = -1.0
    stamp: float = field(default_factory=time.monotonic)

    def take(self, cost: float) -> tuple[bool, float]:
        now = time.monotonic()
        if self.level < 0:
            self.level = self.capacity
        self.level = min(self.capacity, self.level + (now - self.stamp) * self.rate)
        self.stamp = now
        if cost <= self.level:
            self.level -= cost
            return True, 0.0
        return False, (cost - self.level) / self.rate


@dataclass(frozen=True)
class Listing:
    sku: str
    price: Decimal
    shopify_variant: int  # numeric ids; GIDs are built from them
    shopify_item: int
    woo_product: int


@dataclass
class SimState:
    shopify_token: str = "shpat_simulator"
    shopify_secret: str = "shpss_simulator"
    woo_key: str = "ck_simulator"
    woo_secret: str = "cs_simulator"
    woo_webhook_secret: str = "whsec_simulator"
    listings: dict[str, Listing] = field(default_factory=dict)
    shopify_orders: dict[str, dict[str, Any]] = field(default_factory=dict)
    woo_orders: dict[int, dict[str, Any]] = field(default_factory=dict)
    inventory: dict[tuple[str, str], int] = field(default_factory=dict)  # (item, location)
    woo_stock: dict[int, int] = field(default_factory=dict)
    writes: list[tuple[float, str, int]] = field(default_factory=list)  # (monotonic, key, qty)
    calls: Counter[str] = field(default_factory=Counter)
    shopify_bucket: Bucket = field(default_factory=lambda: Bucket(2000, 100))
    woo_bucket: Bucket = field(default_factory=lambda: Bucket(40, 20))
    locations: dict[str, str] = field(default_factory=lambda: {LOCATION: "Main warehouse"})
    # A store in trouble (bench.soak): WooCommerce stock writes answer "slow" (after
    # `slow_seconds`), "throttle" (429 with Retry-After) or "down" (503) while set.
    woo_outage: str | None = None
    slow_seconds: float = 2.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    # ---- catalogue ---------------------------------------------------------------------

    def add_listings(self, skus: dict[str, str], stock: int = 0) -> None:
        """{sku: unit price}: each gets a variant, inventory item and Woo product."""
        for n, (sku, price) in enumerate(sorted(skus.items()), start=len(self.listings) + 1):
            listing = Listing(sku, Decimal(price), 40000 + n, 30000 + n, 900 + n)
            self.listings[sku] = listing
            self.inventory[(f"gid://shopify/InventoryItem/{listing.shopify_item}", LOCATION)] = (
                stock
            )
            self.woo_stock[listing.woo_product] = stock

    def log_write(self, key: str, quantity: int) -> None:
        self.writes.append((time.monotonic(), key, quantity))

    # ---- orders ------------------------------------------------------------------------

    def generate(
        self,
        count: int,
        seed: int = 7,
        start: datetime | None = None,
        skus: list[str] | None = None,
    ) -> None:
        """``count`` orders on each platform, deterministic for a seed (same ids, lines),
        buying from ``skus`` (default: every listing)."""
        rng = random.Random(seed)
        base = start or datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
        skus = sorted(skus or self.listings)
        for i in range(1, count + 1):
            picked = rng.sample(skus, k=min(len(skus), rng.randint(1, 2)))
            lines = [(self.listings[s], rng.randint(1, 3)) for s in picked]
            stamp = base + timedelta(minutes=i)
            self.shopify_orders[f"gid://shopify/Order/{5000 + i}"] = shopify_order(
                5000 + i, lines, stamp
            )
            self.woo_orders[700 + i] = woo_order(700 + i, lines, stamp)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _bag(amount: Decimal, currency: str = "USD") -> dict[str, Any]:
    money = {"amount": f"{amount:.2f}", "currencyCode": currency}
    return {"shopMoney": money, "presentmentMoney": dict(money)}


def shopify_order(n: int, lines: list[tuple[Listing, int]], stamp: datetime) -> dict[str, Any]:
    subtotal = sum((lst.price * qty for lst, qty in lines), Decimal(0))
    shipping = Decimal("4.90")
    total = subtotal + shipping
    return {
        "id": f"gid://shopify/Order/{n}",
        "legacyResourceId": str(n),
        "name": f"#{n}",
        "email": f"buyer{n}@example.com",
        "createdAt": _iso(stamp),
        "updatedAt": _iso(stamp),
        "cancelledAt": None,
        "cancelReason": None,
        "currencyCode": "USD",
        "presentmentCurrencyCode": "USD",
        "taxesIncluded": False,
        "displayFinancialStatus": "PAID",
        "displayFulfillmentStatus": "UNFULFILLED",
        "customer": {"firstName": "Sim", "lastName": f"Buyer {n}"},
        "shippingAddress": {
            "name": f"Sim Buyer {n}",
            "company": None,
            "address1": "1 Main St",
            "address2": None,
            "city": "Newark",
            "zip": "07102",
            "provinceCode": "NJ",
            "countryCodeV2": "US",
            "phone": None,
        },
        "totalPriceSet": _bag(total),
        "lineItems": {
            "pageInfo": {"hasNextPage": False, "endCursor": None},
            "nodes": [
                {
                    "id": f"gid://shopify/LineItem/{n * 10 + k}",
                    "sku": lst.sku,
                    "name": lst.sku,
                    "quantity": qty,
                    "currentQuantity": qty,
                    "variant": {
                        "id": f"gid://shopify/ProductVariant/{lst.shopify_variant}",
                        "legacyResourceId": str(lst.shopify_variant),
                    },
                    "originalUnitPriceSet": _bag(lst.price),
                    "discountAllocations": [],
                    "taxLines": [],
                }
                for k, (lst, qty) in enumerate(lines)
            ],
        },
        "shippingLines": {
            "nodes": [
                {
                    "title": "Standard",
                    "code": "STD",
                    "carrierIdentifier": None,
                    "originalPriceSet": _bag(shipping),
                    "taxLines": [],
                }
            ]
        },
        "taxLines": [],
        "discountApplications": {"nodes": []},
        "transactions": [
            {
                "id": f"gid://shopify/OrderTransaction/{n}",
                "gateway": "bogus",
                "kind": "SALE",
                "status": "SUCCESS",
                "processedAt": _iso(stamp),
                "amountSet": _bag(total),
            }
        ],
        "refunds": [],
    }


def woo_order(n: int, lines: list[tuple[Listing, int]], stamp: datetime) -> dict[str, Any]:
    subtotal = sum((lst.price * qty for lst, qty in lines), Decimal(0))
    gmt = stamp.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")
    return {
        "id": n,
        "parent_id": 0,
        "number": str(n),
        "status": "processing",
        "currency": "USD",
        "date_created_gmt": gmt,
        "date_modified_gmt": gmt,
        "date_paid_gmt": gmt,
        "prices_include_tax": False,
        "discount_total": "0.00",
        "shipping_total": "4.90",
        "total": f"{subtotal + Decimal('4.90'):.2f}",
        "total_tax": "0.00",
        "billing": {
            "first_name": "Sim",
            "last_name": f"Buyer {n}",
            "email": f"buyer{n}@example.com",
        },
        "shipping": {
            "first_name": "Sim",
            "last_name": f"Buyer {n}",
            "city": "Newark",
            "country": "US",
        },
        "payment_method": "bacs",
        "transaction_id": "",
        "line_items": [
            {
                "id": n * 10 + k,
                "name": lst.sku,
                "product_id": lst.woo_product,
                "variation_id": 0,
                "quantity": qty,
                "tax_class": "",
                "subtotal": f"{lst.price * qty:.2f}",
                "subtotal_tax": "0.00",
                "total": f"{lst.price * qty:.2f}",
                "total_tax": "0.00",
                "taxes": [],
                "meta_data": [],
                "sku": lst.sku,
                "price": float(lst.price),
            }
            for k, (lst, qty) in enumerate(lines)
        ],
        "tax_lines": [],
        "fee_lines": [],
        "coupon_lines": [],
        "refunds": [],
        "shipping_lines": [
            {
                "id": n,
                "method_title": "Flat rate",
                "method_id": "flat_rate",
                "total": "4.90",
                "total_tax": "0.00",
                "taxes": [],
            }
        ],
    }
