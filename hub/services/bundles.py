"""Bundles and kits: define them, import/export them, and hand them to the allocator.

The allocator calls `bundle_definitions(uow)` inside its own open unit of work and gets
{("sku", bundle sku id) | ("listing", listing id): [(component sku id, quantity)]},
flattened to leaf SKUs; `mapping.bundles.expand_line` turns an order line into the SKU
demands it needs. A definition that would make a bundle contain itself is refused.
A change publishes the bundle's new figures in the same transaction
(`bundle_figures.publish_definitions`): channels see it before any component moves.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from hub.db.outbox import Outbox
from hub.db.repositories_mapping import mapping_repos
from hub.db.unit_of_work import UnitOfWork
from hub.domain.errors import InvalidValue, NotFound
from hub.domain.mappings import BundleComponent
from hub.services.bundle_figures import publish_definitions
from mapping.bundles import BundleKey, Components, find_cycle, flatten
from mapping.csv_formats import BundleRow, RowError, parse_bundles, render_bundles

__all__ = [
    "BundleImportReport",
    "bundle_definitions",
    "export_bundles",
    "import_bundles",
    "list_bundles",
    "replace_listing_components",
    "set_bundle",
]


@dataclass
class BundleImportReport:
    applied: list[str] = field(default_factory=list)  # bundle SKU codes defined
    refused: list[RowError] = field(default_factory=list)
    dry_run: bool = False


def bundle_definitions(uow: UnitOfWork) -> dict[BundleKey, Components]:
    """For callers that already hold an open unit of work (the allocator)."""
    direct = mapping_repos(uow).bundles.direct_definitions()
    sku_bundles = {k[1]: v for k, v in direct.items() if k[0] == "sku"}
    return {
        ("sku" if k[0] == "sku" else "listing", k[1]): flatten(sku_bundles, parts)
        for k, parts in direct.items()
    }


def _replace(uow: UnitOfWork, existing: Sequence[BundleComponent], wanted: Components,
             **owner: int) -> bool:  # fmt: skip
    current = sorted((c.component_sku_id, c.quantity) for c in existing)
    if current == sorted(wanted):
        return False
    for component in existing:
        uow.session.delete(component)
    uow.session.flush()
    assert uow.tenant_id is not None
    for sku_id, qty in wanted:
        uow.session.add(BundleComponent(uow.tenant_id, sku_id, qty, **owner))
    uow.session.flush()
    key: BundleKey = ("sku", owner["bundle_sku_id"]) if "bundle_sku_id" in owner else (
        "listing", owner["listing_id"])  # fmt: skip
    Outbox(uow.session, uow.tenant_id).add_many(
        publish_definitions(uow.session, uow.tenant_id, [key])
    )
    return True


def replace_listing_components(uow: UnitOfWork, listing_id: int, wanted: Components) -> bool:
    """Inside an open unit of work: make a listing a bundle of `wanted` (or a plain
    listing when empty). Returns whether anything changed."""
    existing = mapping_repos(uow).bundles.list(listing_id=listing_id)
    return _replace(uow, existing, wanted, listing_id=listing_id)


def _check_and_replace(uow: UnitOfWork, bundle_code: str, parts: Sequence[tuple[str, int]]) -> None:
    record = f"bundle {bundle_code}"
    bundle = uow.skus.by_key(bundle_code)
    assert bundle.id is not None
    wanted: dict[int, int] = {}
    for code, qty in parts:
        if isinstance(qty, bool) or not isinstance(qty, int) or qty <= 0:
            raise InvalidValue("quantity", qty, f"component {code}: must be > 0", record)
        component = uow.skus.find(code=code)
        if component is None or component.id is None:
            raise NotFound("sku", code, field="component_sku")
        if component.id in wanted:
            raise InvalidValue("component_sku", code, "listed twice", record)
        wanted[component.id] = qty
    repo = mapping_repos(uow).bundles
    graph = repo.sku_bundles()
    graph[bundle.id] = list(wanted.items())
    cycle = find_cycle(graph, bundle.id)
    if cycle:
        codes = {s.id: s.code for s in uow.skus.list()}
        path = " -> ".join(codes[i] for i in cycle)
        raise InvalidValue("component_sku", path, "cyclic bundle: a bundle cannot contain itself",
                           record)  # fmt: skip
    _replace(uow, repo.list(bundle_sku_id=bundle.id), list(wanted.items()), bundle_sku_id=bundle.id)


def set_bundle(uow: UnitOfWork, bundle_code: str, parts: Sequence[tuple[str, int]]) -> None:
    """Define (or, with no parts, dissolve) the bundle SKU `bundle_code`."""
    with uow:
        _check_and_replace(uow, bundle_code, parts)
        uow.commit()


def list_bundles(uow: UnitOfWork) -> dict[str, list[tuple[str, int]]]:
    with uow:
        codes = {s.id: s.code for s in uow.skus.list()}
        direct = mapping_repos(uow).bundles.direct_definitions()
        return {
            codes[key[1]]: sorted((codes[s], q) for s, q in parts)
            for key, parts in sorted(direct.items(), key=lambda kv: codes.get(kv[0][1], ""))
            if key[0] == "sku"
        }


def export_bundles(uow: UnitOfWork) -> str:
    bundles = list_bundles(uow)
    return render_bundles(
        (bundle, component, qty) for bundle in sorted(bundles) for component, qty in bundles[bundle]
    )


def import_bundles(uow: UnitOfWork, text: str, *, dry_run: bool = False) -> BundleImportReport:
    """Each bundle in the file gets exactly the components listed for it. A bundle with
    any bad row (unknown SKU, duplicate component, cycle) is refused as a whole, row by
    row; the other bundles are applied, in one transaction."""
    parsed = parse_bundles(text)
    report = BundleImportReport(refused=list(parsed.errors), dry_run=dry_run)
    groups: dict[str, list[BundleRow]] = {}
    for row in parsed.rows:
        groups.setdefault(row.bundle_sku, []).append(row)
    bad_keys = {e.key for e in parsed.errors}
    with uow:
        for bundle_code, rows in groups.items():
            if bundle_code in bad_keys:
                for row in rows:
                    reason = f"bundle {bundle_code!r} not applied: another of its rows is invalid"
                    report.refused.append(RowError(row.row, reason, bundle_code))
                continue
            savepoint = uow.session.begin_nested()
            try:
                _check_and_replace(uow, bundle_code, [(r.component_sku, r.quantity) for r in rows])
            except (InvalidValue, NotFound) as exc:
                savepoint.rollback()
                report.refused += _blame(rows, exc)
                continue
            savepoint.commit()
            report.applied.append(bundle_code)
        report.refused.sort(key=lambda e: e.row)
        if not dry_run:
            uow.commit()
    return report


def _blame(rows: list[BundleRow], exc: InvalidValue | NotFound) -> list[RowError]:
    """The row(s) naming the offending component get the reason; the rest say why they
    were not applied either."""
    culprit = exc.key if isinstance(exc, NotFound) else exc.value
    named = [r for r in rows if r.component_sku == culprit] or rows
    first = named[0].row
    return [
        RowError(
            r.row, str(exc) if r in named else f"bundle not applied: see row {first}", r.bundle_sku
        )
        for r in rows
    ]
