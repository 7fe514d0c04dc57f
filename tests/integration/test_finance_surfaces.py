"""The finance reports through the command line, the API (finance role) and the
dashboard: the same rows as the service, CSV as well as JSON, a bar chart on the page."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from hub.api.app import create_app
from hub.bootstrap import Hub
from hub.config import Settings
from hub.services import tokens
from hub.services.finance_reports import FinanceQuery, run_finance_report
from hub.services.tokens import Role
from tests.conftest import Database
from tests.integration.books_setup import UowFactory
from tests.integration.test_cli import hub
from tests.integration.test_finance_aging import AS_OF, receivables  # noqa: F401  (fixture)
from tests.integration.test_payouts_cli import PAYOUT, seeded


def test_the_payout_clearing_report_has_the_figures_of_payouts_list_books(
    tmp_path: Path,
) -> None:
    url = seeded(tmp_path)
    listed = hub(tmp_path, "payouts", "list", "--books", "books", "--json", database_url=url)
    (status,) = json.loads(listed.stdout)
    ran = hub(tmp_path, "report", "payout-clearing", "--books", "books", "--json",
              database_url=url)  # fmt: skip
    assert ran.returncode == 0, ran.stderr
    (row,) = json.loads(ran.stdout)
    assert (row["payout"], row["expected"], row["clearing_left"]) == (PAYOUT, "42.12", "0.00")
    assert row["clearing_left"] == status["clearing"]
    assert (row["settled"], row["bank_match"], row["journal"]) == (None, "unmatched", "pending")
    statement = tmp_path / "november.csv"
    statement.write_text("date,amount,currency,reference\n2025-11-13,42.12,USD,SHOP PAYOUT 11/12\n")
    assert hub(tmp_path, "payouts", "bank", str(statement), database_url=url).returncode == 0
    csv = hub(tmp_path, "report", "payout-clearing", "--books", "books", "--csv",
              "--since", "2025-11-01", database_url=url)  # fmt: skip
    header, line = csv.stdout.splitlines()
    got = dict(zip(header.split(","), line.split(","), strict=True))
    assert (got["settled"], got["bank_match"], got["bank_booked_on"], got["findings"]) == (
        "42.12",
        "matched",
        "2025-11-13",
        "0",
    )
    later = hub(tmp_path, "report", "payout-clearing", "--books", "books", "--json",
                "--since", "2025-11-13", database_url=url)  # fmt: skip
    assert json.loads(later.stdout) == []  # paid on 11-12: outside the window


def test_terms_and_bill_payments_from_the_command_line_refuse_clearly(tmp_path: Path) -> None:
    url = seeded(tmp_path)
    terms = hub(tmp_path, "books", "terms", "30", "--channel", "shop", database_url=url)
    assert terms.returncode == 0, terms.stderr
    assert "due 30 days" in terms.stdout
    unknown = hub(tmp_path, "books", "terms", "30", "--channel", "nowhere", database_url=url)
    assert unknown.returncode != 0 and "nowhere" in unknown.stderr
    bill = hub(tmp_path, "books", "bill-paid", "shop:order:501", "--connection", "books",
               "--date", "2026-11-20", database_url=url)  # fmt: skip
    assert bill.returncode != 0 and "supplier bill" in bill.stderr
    assert "shop:order:501" in bill.stderr  # a receipt is not a bill: named, nothing stored
    missing = hub(tmp_path, "report", "ar-aging", database_url=url)
    assert missing.returncode == 2 and "--books" in missing.stderr


def test_the_finance_role_reads_the_aged_reports_over_the_api_and_the_dashboard(
    db: Database,
    receivables: UowFactory,  # noqa: F811
) -> None:
    with receivables() as u:
        tenant_id = u.tenant_id
    assert tenant_id is not None
    expected = run_finance_report(receivables(), "ar-aging", FinanceQuery("books", AS_OF))
    app_hub = Hub(Settings(database_url=db.url))
    try:
        with app_hub.uow(tenant_id) as u:
            finance = tokens.create_token(u.session, tenant_id, "f", Role.FINANCE.value)
            viewer = tokens.create_token(u.session, tenant_id, "v", Role.VIEWER.value)
            u.commit()
        from fastapi.testclient import TestClient

        client = TestClient(create_app(app_hub))
        auth = {"Authorization": f"Bearer {finance}"}
        params = {"books": "books", "as_of": AS_OF.isoformat()}
        got = client.get("/api/v1/reports/ar-aging", params=params, headers=auth)
        assert got.status_code == 200, got.text
        body = got.json()
        assert (body["as_of"], body["items"]) == ("2026-11-30", expected)
        csv = client.get("/api/v1/reports/ar-aging", params={**params, "format": "csv"},
                         headers=auth)  # fmt: skip
        assert csv.headers["content-type"].startswith("text/csv")
        assert csv.text.splitlines()[0].startswith("channel,customer,currency,current,1-30")
        refused = client.get("/api/v1/reports/ar-aging", params=params,
                             headers={"Authorization": f"Bearer {viewer}"})  # fmt: skip
        assert refused.status_code == 403
        unknown = client.get("/api/v1/reports/ap-aging", params={"books": "nope"}, headers=auth)
        assert unknown.status_code == 404 and "nope" in unknown.text
        bad = client.get("/api/v1/reports/ar-aging", params={"books": "books", "as_of": "x"},
                         headers=auth)  # fmt: skip
        assert bad.status_code == 422
        client.cookies.set("hub_token", finance)
        page = client.get("/dashboard/finance", params=params)
        assert page.status_code == 200, page.text
        assert "Open USD by days past due" in page.text and "<svg" in page.text
        # The USD buckets: 80 current, 25, 50, 0, 30; the late ones drawn in red.
        assert "<title>31-60: 50.00</title>" in page.text
        assert "Open EUR by days past due" in page.text
        assert "Open USD (home)" not in page.text  # a bucket with an unknown rate: no bars
    finally:
        app_hub.close()


def test_a_receivable_report_before_any_document_is_empty(receivables: UowFactory) -> None:  # noqa: F811
    rows = run_finance_report(receivables(), "ar-aging", FinanceQuery("books", date(2026, 6, 1)))
    assert rows == []
