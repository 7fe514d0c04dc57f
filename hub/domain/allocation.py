"""Which warehouse (and lot) serves which order line: strategies as pure functions.

The allocator locks the candidate balances first, builds a snapshot of them
(`Candidate`), and only then asks `plan_allocation` what to reserve. The plan is a
pure function of the snapshot, the demands and the channel's policy, so it is
deterministic (ties break on warehouse id, then lot) and testable without a database.

Orders draw on `free` stock (on_hand - reserved): safety stock protects what is
*promised to channels*, while an order that already exists is real demand.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from enum import StrEnum

from hub.domain.errors import InvalidValue
from hub.domain.geography import distance


class Strategy(StrEnum):
    PRIORITY = "priority"  # the channel's warehouse order, then warehouse priority
    MOST_STOCK = "most_stock"  # the warehouse holding the most free units of the SKU
    # same subdivision as the ship-to, same country, then by UN M49 region (geography)
    NEAREST = "nearest"
    FEWEST_SPLITS = "fewest_splits"  # one warehouse that fills the whole order, if any


class SplitPolicy(StrEnum):
    ALLOW = "allow"  # lines may be served from several warehouses
    FORBID = "forbid"  # the whole order ships from one warehouse


class ShortfallPolicy(StrEnum):
    REJECT = "reject"  # reserve nothing; the order goes on hold with the reason
    PARTIAL = "partial"  # reserve what there is, backorder the rest
    BACKORDER_ALL = "backorder_all"  # reserve nothing, backorder every line until it fits


@dataclass(frozen=True)
class AllocationPolicy:
    """How one channel allocates and what it may show as available."""

    strategy: Strategy = Strategy.PRIORITY
    split: SplitPolicy = SplitPolicy.ALLOW
    shortfall: ShortfallPolicy = ShortfallPolicy.REJECT
    buffer: int = 0
    share: Decimal = Decimal(1)
    max_to_list: int | None = None
    end_when: int = 0
    review_over_amount: Decimal | None = None
    review_missing_country: bool = True

    def __post_init__(self) -> None:
        record = "allocation policy"
        for name in ("buffer", "end_when"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise InvalidValue(name, value, "must be a whole number >= 0", record=record)
        if not isinstance(self.share, Decimal) or not Decimal(0) <= self.share <= Decimal(1):
            raise InvalidValue("share", self.share, "must be a decimal from 0 to 1", record=record)
        if self.max_to_list is not None and self.max_to_list < 0:
            raise InvalidValue("max_to_list", self.max_to_list, "must be >= 0", record=record)
        if self.review_over_amount is not None and self.review_over_amount < 0:
            raise InvalidValue(
                "review_over_amount", self.review_over_amount, "must be >= 0", record=record
            )


@dataclass(frozen=True)
class Candidate:
    """One locked balance the channel may allocate from, as the strategy sees it."""

    warehouse_id: int
    sku_id: int
    lot_code: str
    free: int  # on_hand - reserved, at the moment of locking
    rank: int = 0  # the channel's order of preference (lower first)
    country: str = ""
    region: str = ""
    expires_on: date | None = None


@dataclass(frozen=True)
class Demand:
    """Units of one SKU an order line still needs reserved. A bundle line has one demand
    per component; `per_unit` is that component's units per one unit of the line, so
    shortfalls and backorders are counted in whole line units (bundles)."""

    line_id: int
    sku_id: int
    quantity: int
    per_unit: int = 1


@dataclass(frozen=True)
class Pick:
    line_id: int
    warehouse_id: int
    sku_id: int
    lot_code: str
    quantity: int


@dataclass(frozen=True)
class Plan:
    picks: tuple[Pick, ...] = ()
    backorders: dict[int, int] = field(default_factory=dict)  # line id -> units
    rejected: str | None = None  # why nothing was reserved (shortfall policy REJECT)

    def reserved_for(self, line_id: int) -> int:
        return sum(p.quantity for p in self.picks if p.line_id == line_id)


@dataclass(frozen=True)
class ShipTo:
    country: str = ""  # ISO 3166-1 alpha-2 ("" unknown)
    # ISO 3166-2 subdivision ("US-NJ"); a code without its country ("NJ") is read within
    # `country`, as warehouses' regions are (hub.domain.geography).
    region: str = ""


def _usable(candidates: Sequence[Candidate], today: date) -> list[Candidate]:
    # Expired lots are never promised; lots without a date count as not expiring.
    return [c for c in candidates if c.free > 0 and (c.expires_on is None or c.expires_on >= today)]


def _fefo(c: Candidate) -> tuple[int, date, str]:
    return (c.expires_on is None, c.expires_on or date.max, c.lot_code)


Info = dict[int, tuple[int, str, str]]  # warehouse id -> (rank, country, region)
Free = dict[tuple[int, int], int]  # (warehouse id, sku id) -> free units
WarehouseOrder = Callable[[int, list[int], Info, Free], list[int]]


def _warehouse_order(strategy: Strategy, ship_to: ShipTo) -> WarehouseOrder:
    """order(sku_id, warehouses, info, free): the warehouses to draw from, best first."""

    def order(
        sku_id: int,
        warehouses: list[int],
        info: Info,
        free: Free,
    ) -> list[int]:
        def key(wh: int) -> tuple[int, ...]:
            rank, country, region = info[wh]
            if strategy in (Strategy.MOST_STOCK, Strategy.FEWEST_SPLITS):
                # Fewest splits falls back to the fullest warehouse first when no single
                # warehouse can fill the whole order.
                return (-free.get((wh, sku_id), 0), rank, wh)
            if strategy is Strategy.NEAREST:
                far = distance(ship_to.country, ship_to.region, country, region)
                return (far, rank, wh)
            return (rank, wh)

        return sorted(warehouses, key=key)

    return order


def _by_rank(_sku: int, warehouses: list[int], info: Info, _free: Free) -> list[int]:
    return sorted(warehouses, key=lambda wh: (info[wh][0], wh))


def plan_allocation(
    demands: Sequence[Demand],
    candidates: Sequence[Candidate],
    policy: AllocationPolicy,
    *,
    today: date,
    ship_to: ShipTo | None = None,
) -> Plan:
    """Decide what to reserve for `demands` from the locked `candidates`.

    Lines of the same SKU draw on the same working copy of the snapshot, so duplicate
    SKUs in one order can never both count the same units.
    """
    for d in demands:
        if d.quantity <= 0:
            raise InvalidValue(
                "quantity", d.quantity, "must be greater than 0", record=f"order line #{d.line_id}"
            )
    usable = _usable(candidates, today)
    info = {c.warehouse_id: (c.rank, c.country, c.region) for c in usable}
    free: dict[tuple[int, int], int] = {}
    for c in usable:
        free[(c.warehouse_id, c.sku_id)] = free.get((c.warehouse_id, c.sku_id), 0) + c.free
    order = _warehouse_order(policy.strategy, ship_to or ShipTo())
    single = policy.split is SplitPolicy.FORBID or policy.strategy is Strategy.FEWEST_SPLITS
    chosen: list[int] | None = None
    if single:
        first = _by_rank if policy.strategy is Strategy.FEWEST_SPLITS else order
        chosen = _single_warehouse(demands, sorted(info), info, free, first)
        if chosen is None and policy.split is SplitPolicy.FORBID:
            chosen = _best_partial_warehouse(demands, sorted(info), info, free)
    picks = _greedy(demands, usable, info, order, only=chosen)
    short = _short_units(demands, picks)
    if not short:
        return Plan(tuple(picks))
    if policy.shortfall is ShortfallPolicy.REJECT:
        detail = ", ".join(f"line #{line} short {qty}" for line, qty in sorted(short.items()))
        return Plan(rejected=f"insufficient stock: {detail}")
    if policy.shortfall is ShortfallPolicy.BACKORDER_ALL:
        every: dict[int, int] = {}
        for d in demands:
            every[d.line_id] = max(every.get(d.line_id, 0), -(-d.quantity // d.per_unit))
        return Plan(backorders=every)
    return Plan(_whole_units(demands, picks, short), backorders=short)


def _short_units(demands: Sequence[Demand], picks: Sequence[Pick]) -> dict[int, int]:
    """line id -> line units still short: for a bundle, the worst component decides."""
    got: dict[tuple[int, int], int] = {}
    for p in picks:
        got[(p.line_id, p.sku_id)] = got.get((p.line_id, p.sku_id), 0) + p.quantity
    short: dict[int, int] = {}
    for d in demands:
        missing = d.quantity - got.get((d.line_id, d.sku_id), 0)
        units = -(-missing // d.per_unit) if missing > 0 else 0
        short[d.line_id] = max(short.get(d.line_id, 0), units)
    return {line: units for line, units in short.items() if units > 0}


def _whole_units(
    demands: Sequence[Demand], picks: Sequence[Pick], short: dict[int, int]
) -> tuple[Pick, ...]:
    """A partly served bundle line keeps only what whole bundles need: components of a
    bundle that cannot be completed are not held back from other orders."""
    keep: dict[tuple[int, int], int] = {}
    for d in demands:
        if d.line_id in short:
            keep[(d.line_id, d.sku_id)] = max(0, d.quantity - short[d.line_id] * d.per_unit)
    trimmed: list[Pick] = []
    for p in picks:
        key = (p.line_id, p.sku_id)
        if key not in keep:
            trimmed.append(p)
            continue
        take = min(p.quantity, keep[key])
        keep[key] -= take
        if take > 0:
            trimmed.append(replace(p, quantity=take))
    return tuple(trimmed)


def _single_warehouse(
    demands: Sequence[Demand],
    warehouses: list[int],
    info: Info,
    free: Free,
    order: WarehouseOrder,
) -> list[int] | None:
    """The first warehouse (in strategy order) that fills every line alone."""
    need: dict[int, int] = {}
    for d in demands:
        need[d.sku_id] = need.get(d.sku_id, 0) + d.quantity
    first_sku = demands[0].sku_id if demands else 0
    for wh in order(first_sku, warehouses, info, free):
        if all(free.get((wh, sku), 0) >= qty for sku, qty in need.items()):
            return [wh]
    return None


def _best_partial_warehouse(
    demands: Sequence[Demand],
    warehouses: list[int],
    info: Info,
    free: Free,
) -> list[int]:
    """Splitting is forbidden and no warehouse fills everything: the one that fills most."""
    need: dict[int, int] = {}
    for d in demands:
        need[d.sku_id] = need.get(d.sku_id, 0) + d.quantity

    def filled(wh: int) -> int:
        return sum(min(qty, free.get((wh, sku), 0)) for sku, qty in need.items())

    ranked = sorted(warehouses, key=lambda wh: (-filled(wh), info[wh][0], wh))
    return ranked[:1]


def _greedy(
    demands: Sequence[Demand],
    usable: list[Candidate],
    info: Info,
    order: WarehouseOrder,
    only: list[int] | None,
) -> list[Pick]:
    left = {(c.warehouse_id, c.sku_id, c.lot_code): c.free for c in usable}
    by_balance: dict[tuple[int, int], list[Candidate]] = {}
    for c in usable:
        by_balance.setdefault((c.warehouse_id, c.sku_id), []).append(c)
    picks: list[Pick] = []
    for d in demands:
        wanted = d.quantity
        free_now: dict[tuple[int, int], int] = {}
        for (wh, sku, _lot), qty in left.items():
            free_now[(wh, sku)] = free_now.get((wh, sku), 0) + qty
        warehouses = sorted({wh for (wh, sku) in by_balance if sku == d.sku_id})
        if only is not None:
            warehouses = [wh for wh in warehouses if wh in only]
        for wh in order(d.sku_id, warehouses, info, free_now):
            for lot in sorted(by_balance[(wh, d.sku_id)], key=_fefo):
                if wanted == 0:
                    break
                key = (wh, d.sku_id, lot.lot_code)
                take = min(wanted, left[key])
                if take > 0:
                    left[key] -= take
                    wanted -= take
                    picks.append(Pick(d.line_id, wh, d.sku_id, lot.lot_code, take))
    return picks
