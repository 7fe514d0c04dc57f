"""Repositories for the mapping records, built over an open unit of work's session."""

from __future__ import annotations

from dataclasses import dataclass

from hub.db.repositories import TenantRepository
from hub.db.unit_of_work import UnitOfWork
from hub.domain.mappings import (
    AccountingConnection,
    AccountMapping,
    BundleComponent,
    PartyRule,
    StatusOverride,
    TaxCodeMapping,
)

__all__ = ["BundleComponents", "MappingRepositories", "mapping_repos"]


class BundleComponents(TenantRepository[BundleComponent]):
    entity, kind, key_field = BundleComponent, "bundle component", "id"

    def sku_bundles(self) -> dict[int, list[tuple[int, int]]]:
        """Bundle SKU id -> its direct components (not flattened)."""
        result: dict[int, list[tuple[int, int]]] = {}
        for c in self.list():
            if c.bundle_sku_id is not None:
                result.setdefault(c.bundle_sku_id, []).append((c.component_sku_id, c.quantity))
        return result

    def direct_definitions(self) -> dict[tuple[str, int], list[tuple[int, int]]]:
        """("sku", bundle sku id) | ("listing", listing id) -> direct components."""
        result: dict[tuple[str, int], list[tuple[int, int]]] = {}
        for c in self.list():
            if c.bundle_sku_id is not None:
                key = ("sku", c.bundle_sku_id)
            else:
                assert c.listing_id is not None
                key = ("listing", c.listing_id)
            result.setdefault(key, []).append((c.component_sku_id, c.quantity))
        return result

    def bundle_listing_ids(self) -> set[int]:
        return {c.listing_id for c in self.list() if c.listing_id is not None}


class StatusOverrides(TenantRepository[StatusOverride]):
    entity, kind, key_field = StatusOverride, "status override", "id"


class AccountingConnections(TenantRepository[AccountingConnection]):
    entity, kind, key_field = AccountingConnection, "accounting connection", "name"


class AccountMappings(TenantRepository[AccountMapping]):
    entity, kind, key_field = AccountMapping, "account mapping", "id"


class TaxCodeMappings(TenantRepository[TaxCodeMapping]):
    entity, kind, key_field = TaxCodeMapping, "tax code mapping", "id"


class PartyRules(TenantRepository[PartyRule]):
    entity, kind, key_field = PartyRule, "party rule", "id"


@dataclass
class MappingRepositories:
    bundles: BundleComponents
    status_overrides: StatusOverrides
    connections: AccountingConnections
    accounts: AccountMappings
    tax_codes: TaxCodeMappings
    party_rules: PartyRules


def mapping_repos(uow: UnitOfWork) -> MappingRepositories:
    """The mapping repositories on an entered unit of work (same session, same commit)."""
    assert uow.tenant_id is not None, "mapping records are always tenant-scoped"
    s, tid = uow.session, uow.tenant_id
    return MappingRepositories(
        BundleComponents(s, tid),
        StatusOverrides(s, tid),
        AccountingConnections(s, tid),
        AccountMappings(s, tid),
        TaxCodeMappings(s, tid),
        PartyRules(s, tid),
    )
