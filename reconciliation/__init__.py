"""Reconciliation: prove the books hold each hub document exactly once, and repair."""

from reconciliation.classify import TOLERANCE, classify, clearing_checks
from reconciliation.job import reconcile, repair
from reconciliation.model import (
    BookEntry,
    ClearingCheck,
    Finding,
    HubEntry,
    Outcome,
    Period,
    Report,
)
from reconciliation.output import summary, to_csv, to_json

__all__ = [
    "TOLERANCE",
    "BookEntry",
    "ClearingCheck",
    "Finding",
    "HubEntry",
    "Outcome",
    "Period",
    "Report",
    "classify",
    "clearing_checks",
    "reconcile",
    "repair",
    "summary",
    "to_csv",
    "to_json",
]
