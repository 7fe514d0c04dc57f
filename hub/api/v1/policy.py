"""Who may do what: one rule per route, as data. A route without a rule is refused to
everyone (fail closed), and tests/integration/test_api_roles.py fails for it."""

from __future__ import annotations

from enum import StrEnum

from hub.services.tokens import Role

__all__ = ["GRANTS", "RULES", "Permission", "allowed"]


class Permission(StrEnum):
    READ = "read"  # orders, stock, errors, mappings, reports
    STOCK_WRITE = "stock:write"
    ORDERS_WRITE = "orders:write"
    ERRORS_WRITE = "errors:write"
    MAPPINGS_WRITE = "mappings:write"
    CONNECTIONS_READ = "connections:read"
    CONNECTIONS_WRITE = "connections:write"
    BOOKS_READ = "books:read"  # reconciliation runs and accounting documents
    BOOKS_WRITE = "books:write"  # connect, re-authorise and disconnect the books
    AUDIT_READ = "audit:read"


P = Permission
GRANTS: dict[Role, frozenset[Permission]] = {
    Role.ADMIN: frozenset(Permission),
    Role.OPERATIONS: frozenset(
        {
            P.READ,
            P.STOCK_WRITE,
            P.ORDERS_WRITE,
            P.ERRORS_WRITE,
            P.MAPPINGS_WRITE,
            P.CONNECTIONS_READ,
        }
    ),
    Role.FINANCE: frozenset({P.READ, P.BOOKS_READ, P.BOOKS_WRITE, P.AUDIT_READ}),
    Role.VIEWER: frozenset({P.READ}),
}

V = "/api/v1"
RULES: dict[tuple[str, str], Permission] = {
    ("GET", f"{V}/orders"): P.READ,
    ("GET", f"{V}/orders/{{order_id}}"): P.READ,
    ("GET", f"{V}/orders/{{order_id}}/raw"): P.READ,
    ("POST", f"{V}/orders/{{order_id}}/approve"): P.ORDERS_WRITE,
    ("POST", f"{V}/orders/{{order_id}}/reject"): P.ORDERS_WRITE,
    ("POST", f"{V}/orders/{{order_id}}/shipments"): P.ORDERS_WRITE,
    ("POST", f"{V}/orders/{{order_id}}/release-invoice"): P.ERRORS_WRITE,
    ("GET", f"{V}/held-orders"): P.READ,
    ("GET", f"{V}/stock"): P.READ,
    ("GET", f"{V}/stock/channels"): P.READ,
    ("POST", f"{V}/stock/receipts"): P.STOCK_WRITE,
    ("POST", f"{V}/stock/adjustments"): P.STOCK_WRITE,
    ("POST", f"{V}/stock/transfers"): P.STOCK_WRITE,
    ("POST", f"{V}/stock/scrap"): P.STOCK_WRITE,
    ("GET", f"{V}/errors"): P.READ,
    ("GET", f"{V}/errors/{{error_id}}"): P.READ,
    ("GET", f"{V}/sync/status"): P.READ,
    ("POST", f"{V}/errors/{{error_id}}/replay"): P.ERRORS_WRITE,
    ("GET", f"{V}/mappings/listings"): P.READ,
    ("PUT", f"{V}/mappings/listings"): P.MAPPINGS_WRITE,
    ("GET", f"{V}/connections"): P.CONNECTIONS_READ,
    ("POST", f"{V}/connections"): P.CONNECTIONS_WRITE,
    ("GET", f"{V}/reconciliation/runs"): P.BOOKS_READ,
    ("GET", f"{V}/reconciliation/runs/{{run_id}}"): P.BOOKS_READ,
    ("GET", f"{V}/books/connections"): P.BOOKS_READ,
    ("POST", f"{V}/books/connections"): P.BOOKS_WRITE,
    ("POST", f"{V}/books/authorizations"): P.BOOKS_WRITE,
    ("POST", f"{V}/books/connections/{{name}}/test"): P.BOOKS_READ,
    ("DELETE", f"{V}/books/connections/{{name}}"): P.BOOKS_WRITE,
    ("GET", f"{V}/audit"): P.AUDIT_READ,
    ("GET", f"{V}/reports/{{name}}"): P.READ,
    ("GET", f"{V}/reports/ar-aging"): P.BOOKS_READ,
    ("GET", f"{V}/reports/ap-aging"): P.BOOKS_READ,
    ("GET", f"{V}/reports/payout-clearing"): P.BOOKS_READ,
    ("GET", f"{V}/payouts"): P.BOOKS_READ,
    ("GET", f"{V}/purchase-orders"): P.READ,
    ("GET", f"{V}/purchase-orders/{{number}}"): P.READ,
    ("POST", f"{V}/purchase-orders/{{number}}/approve"): P.STOCK_WRITE,
    ("POST", f"{V}/purchase-orders/{{number}}/cancel"): P.STOCK_WRITE,
    ("POST", f"{V}/purchase-orders/drafts"): P.STOCK_WRITE,
}


def allowed(role: Role, method: str, path: str) -> bool:
    rule = RULES.get((method, path))
    return rule is not None and rule in GRANTS[role]
