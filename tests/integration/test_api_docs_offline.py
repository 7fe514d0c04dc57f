"""/docs and /redoc work on a machine with no internet: their pages reference only the
hub's own URLs, and the hub serves the Swagger UI and ReDoc scripts itself."""

from __future__ import annotations

import re

from tests.conftest import Database
from tests.integration.operator_setup import world


def test_the_api_docs_reference_only_local_assets_and_the_assets_are_served(
    db: Database,
) -> None:
    client = world(db).client
    for page, scripts in [
        ("/docs", ("swagger-ui-bundle.js", "swagger-ui.css")),
        ("/redoc", ("redoc.standalone.js",)),
    ]:
        html = client.get(page)
        assert html.status_code == 200
        urls = re.findall(r"""(?:src|href|url)\s*[=:]\s*['"]([^'"]+)['"]""", html.text)
        assert urls, html.text
        assert [u for u in urls if "://" in u or u.startswith("//")] == [], page
        for name in scripts:
            [url] = [u for u in urls if u.endswith(name)]
            asset = client.get(url)
            assert asset.status_code == 200 and len(asset.content) > 10_000, url
    assert client.get("/openapi.json").json()["info"]["title"] == "hub"
