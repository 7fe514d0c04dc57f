"""Imperative mapping of the mapping issue's records (called from start_mappers)."""

from __future__ import annotations

from sqlalchemy.orm import registry

from hub.db import tables_mapping as tm
from hub.domain.mappings import (
    AccountingConnection,
    AccountMapping,
    BundleComponent,
    PartyRule,
    StatusOverride,
    TaxCodeMapping,
)


def map_mapping(mapper_registry: registry) -> None:
    m = mapper_registry.map_imperatively
    m(BundleComponent, tm.bundle_components)
    m(StatusOverride, tm.status_overrides)
    m(AccountingConnection, tm.accounting_connections)
    m(AccountMapping, tm.account_mappings)
    m(TaxCodeMapping, tm.tax_code_mappings)
    m(PartyRule, tm.party_rules)
