"""Channel <-> hub translation: record mappers, statuses, SKUs, bundles, CSV, accounting.

Pure: imports hub.domain, never hub.db; hub.services persists what these functions decide.
"""

from mapping.bundles import BundleKey, Components, expand_line, find_cycle, flatten
from mapping.mapper import Context, Mapper, children, direct, mapping
from mapping.skus import Normalisation, normalise, parse_normalisations, plan_links
from mapping.statuses import DEFAULT_RULES, Rule, StatusDecision, resolve_status

__all__ = [
    "DEFAULT_RULES",
    "BundleKey",
    "Components",
    "Context",
    "Mapper",
    "Normalisation",
    "Rule",
    "StatusDecision",
    "children",
    "direct",
    "expand_line",
    "find_cycle",
    "flatten",
    "mapping",
    "normalise",
    "parse_normalisations",
    "plan_links",
    "resolve_status",
]
