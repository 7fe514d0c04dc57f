"""A reconciliation report as JSON, as CSV (one row per document) and as a summary."""

from __future__ import annotations

import csv
import io
from typing import Any

from reconciliation.model import Report

__all__ = ["CSV_COLUMNS", "summary", "to_csv", "to_json"]

CSV_COLUMNS = [
    "key",
    "outcome",
    "kind",
    "currency",
    "hub_total",
    "books_total",
    "delta",
    "fields",
    "external_id",
    "detail",
]


def _s(value: object) -> str:
    return "" if value is None else str(value)


def to_json(report: Report) -> dict[str, Any]:
    return {
        "connection": report.connection,
        "period": {"start": report.period.start.isoformat(), "end": report.period.end.isoformat()},
        "reconciled": report.reconciled,
        "counts": report.counts(),
        "by_kind_currency": [
            {"kind": kind, "currency": currency, "counts": counts}
            for (kind, currency), counts in sorted(report.by_kind_currency().items())
        ],
        "findings": [
            {
                "key": f.key,
                "outcome": f.outcome.value,
                "kind": f.kind,
                "currency": f.currency,
                "hub_total": _s(f.hub_total) or None,
                "books_total": _s(f.books_total) or None,
                "delta": _s(f.delta) or None,
                "fields": list(f.fields),
                "detail": f.detail,
                "external_id": f.external_id,
            }
            for f in report.findings
            if not f.outcome.ok or f.outcome.value == "rounding"
        ],
        "clearing": [
            {
                "payout": c.payout,
                "account": c.account,
                "currency": c.currency,
                "hub_balance": str(c.hub_balance),
                "books_balance": _s(c.books_balance) or None,
                "documents": c.documents,
                "ok": c.ok,
            }
            for c in report.clearing
        ],
        "repaired": report.repaired,
    }


def to_csv(report: Report) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for f in report.findings:
        writer.writerow(
            [
                f.key,
                f.outcome.value,
                f.kind,
                f.currency,
                _s(f.hub_total),
                _s(f.books_total),
                _s(f.delta),
                ";".join(f.fields),
                _s(f.external_id),
                f.detail,
            ]
        )
    return out.getvalue()


def summary(report: Report) -> str:
    counts = report.counts()
    verdict = "RECONCILED" if report.reconciled else "NOT RECONCILED"
    lines = [f"{report.connection} {report.period}: {verdict}"]
    lines.append("  " + ", ".join(f"{name} {n}" for name, n in counts.items() if n))
    for f in report.problems():
        delta = f" delta {f.delta}" if f.delta is not None else ""
        lines.append(f"  {f.outcome.value}: {f.kind} {f.key}{delta} {f.detail}".rstrip())
    for c in report.clearing:
        if not c.ok:
            lines.append(
                f"  clearing {c.account} for payout {c.payout}: hub {c.hub_balance}, "
                f"books {_s(c.books_balance) or 'unknown'} (must be 0)"
            )
    if report.repaired:
        lines.append(f"  repaired (posted again): {', '.join(report.repaired)}")
    return "\n".join(lines)
