"""The CSV formats operators edit: listings (with listing bundles) and bundle SKUs.

Rows are numbered as a spreadsheet shows them: the header is row 1, the first data row
is row 2. A header with a missing required column or an unknown column refuses the whole
file (nothing can be read reliably); a bad row is reported with its number and reason and
the other rows still parse. Values are kept exactly as written (no trimming), so an export
imported again reproduces the same file byte for byte.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from hub.domain.errors import InvalidValue

__all__ = [
    "BUNDLE_COLUMNS",
    "CHART_COLUMNS",
    "LISTING_COLUMNS",
    "BundleRow",
    "ChartRow",
    "ListingRow",
    "ParsedRows",
    "RowError",
    "format_components",
    "parse_bundles",
    "parse_chart",
    "parse_components",
    "parse_listings",
    "render_bundles",
    "render_chart",
    "render_listings",
]

LISTING_COLUMNS = (
    "channel_sku",
    "sku",
    "channel_product_id",
    "channel_variant_id",
    "channel_inventory_item_id",
    "components",
)
LISTING_REQUIRED = ("channel_sku", "sku")
BUNDLE_COLUMNS = ("bundle_sku", "component_sku", "quantity")


@dataclass(frozen=True)
class RowError:
    row: int
    reason: str
    key: str = ""  # the channel SKU / bundle SKU the row was about, when readable


@dataclass(frozen=True)
class ListingRow:
    row: int
    channel_sku: str
    sku: str | None
    # Only the id columns present in the file; absent columns leave stored values alone.
    ids: dict[str, str | None]
    components: list[tuple[str, int]] = field(default_factory=list)


@dataclass(frozen=True)
class BundleRow:
    row: int
    bundle_sku: str
    component_sku: str
    quantity: int


RowT = TypeVar("RowT")


@dataclass
class ParsedRows(Generic[RowT]):
    columns: list[str] = field(default_factory=list)
    rows: list[RowT] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


def _reader(text: str, allowed: Sequence[str], required: Sequence[str]) -> csv.DictReader[str]:
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = reader.fieldnames or []
    missing = [c for c in required if c not in header]
    unknown = [c for c in header if c not in allowed]
    duplicated = sorted({c for c in header if header.count(c) > 1})
    problems = []
    if missing:
        problems.append(f"missing column(s) {', '.join(missing)}")
    if unknown:
        problems.append(f"unknown column(s) {', '.join(unknown)}")
    if duplicated:
        problems.append(f"repeated column(s) {', '.join(duplicated)}")
    if problems:
        raise InvalidValue(
            "columns",
            ",".join(header),
            "; ".join(problems) + f" (expected {','.join(allowed)})",
            record="CSV header (row 1)",
        )
    return reader


def _shape_error(raw: dict[str | None, object], width: int) -> str | None:
    if None in raw:
        return f"has more fields than the header's {width}"
    if any(v is None for v in raw.values()):
        return f"has fewer fields than the header's {width}"
    return None


def parse_components(text: str) -> list[tuple[str, int]]:
    """ "KIT-A:2;KIT-B:1" -> [("KIT-A", 2), ("KIT-B", 1)]."""
    parts: list[tuple[str, int]] = []
    for item in text.split(";"):
        code, sep, qty = item.rpartition(":")
        if not sep or not code or not qty.isdigit() or int(qty) <= 0:
            raise InvalidValue(
                "components", item, "each component must be SKU:quantity with quantity > 0"
            )
        parts.append((code, int(qty)))
    return parts


def format_components(parts: Iterable[tuple[str, int]]) -> str:
    return ";".join(f"{code}:{qty}" for code, qty in sorted(parts))


def parse_listings(text: str) -> ParsedRows[ListingRow]:
    reader = _reader(text, LISTING_COLUMNS, LISTING_REQUIRED)
    header = list(reader.fieldnames or [])
    id_columns = [c for c in header if c.startswith("channel_") and c != "channel_sku"]
    result: ParsedRows[ListingRow] = ParsedRows(header)
    for row, raw in enumerate(reader, start=2):
        key = raw.get("channel_sku") or ""
        shape = _shape_error(raw, len(header))
        if shape:
            result.errors.append(RowError(row, shape, key))
            continue
        if not key:
            result.errors.append(RowError(row, "channel_sku is empty"))
            continue
        sku = raw["sku"] or None
        try:
            components = parse_components(raw["components"]) if raw.get("components") else []
        except InvalidValue as exc:
            reason = f"components: {exc.reason} (got {exc.value!r})"
            result.errors.append(RowError(row, reason, key))
            continue
        if sku and components:
            result.errors.append(RowError(row, "give either sku or components, not both", key))
            continue
        ids = {c: (raw[c] or None) for c in id_columns}
        result.rows.append(ListingRow(row, key, sku, ids, components))
    return result


def render_listings(rows: Iterable[Sequence[str | None]]) -> str:
    """Rows in LISTING_COLUMNS order; None is written as an empty cell."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(LISTING_COLUMNS)
    for row in rows:
        writer.writerow(["" if v is None else v for v in row])
    return out.getvalue()


def parse_bundles(text: str) -> ParsedRows[BundleRow]:
    reader = _reader(text, BUNDLE_COLUMNS, BUNDLE_COLUMNS)
    result: ParsedRows[BundleRow] = ParsedRows(list(reader.fieldnames or []))
    for row, raw in enumerate(reader, start=2):
        key = raw.get("bundle_sku") or ""
        shape = _shape_error(raw, len(BUNDLE_COLUMNS))
        if shape:
            result.errors.append(RowError(row, shape, key))
            continue
        if not key or not raw["component_sku"]:
            result.errors.append(RowError(row, "bundle_sku and component_sku are required", key))
            continue
        qty = raw["quantity"]
        if not qty.isdigit() or int(qty) <= 0:
            result.errors.append(RowError(row, f"quantity {qty!r} must be a whole number > 0", key))
            continue
        result.rows.append(BundleRow(row, key, raw["component_sku"], int(qty)))
    return result


def render_bundles(rows: Iterable[tuple[str, str, int]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(BUNDLE_COLUMNS)
    for bundle, component, qty in rows:
        writer.writerow([bundle, component, qty])
    return out.getvalue()


CHART_COLUMNS = ("role", "scope", "account_code")


@dataclass(frozen=True)
class ChartRow:
    row: int
    role: str
    scope: str
    account_code: str


def parse_chart(text: str) -> ParsedRows[ChartRow]:
    """role,scope,account_code; `scope` may be omitted (default accounts only)."""
    reader = _reader(text, CHART_COLUMNS, ("role", "account_code"))
    result: ParsedRows[ChartRow] = ParsedRows(list(reader.fieldnames or []))
    width = len(result.columns)
    for row, raw in enumerate(reader, start=2):
        shape = _shape_error(raw, width)
        if shape:
            result.errors.append(RowError(row, shape, raw.get("role") or ""))
            continue
        result.rows.append(ChartRow(row, raw["role"], raw.get("scope") or "", raw["account_code"]))
    return result


def render_chart(rows: Iterable[tuple[str, str, str]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CHART_COLUMNS)
    writer.writerows(sorted(rows))
    return out.getvalue()
