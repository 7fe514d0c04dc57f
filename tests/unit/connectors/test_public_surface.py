"""The SDK's public surface is what `__all__` says, and the reference connector fits
the Protocol the hub programs against."""

from __future__ import annotations

import importlib

import pytest
from pydantic import SecretStr

from connectors.base import AccountingConnector, StorefrontConnector
from connectors.shop_platforms.woocommerce import WooCommerceConfig, WooCommerceConnector


@pytest.mark.parametrize(
    "module", ["connectors.base", "connectors.toolkit", "connectors.testing", "connectors.registry"]
)
def test_every_exported_name_exists_once(module: str) -> None:
    package = importlib.import_module(module)
    exported = package.__all__
    assert [name for name in exported if not hasattr(package, name)] == []
    assert len(set(exported)) == len(exported)


def test_the_reference_connector_is_a_storefront_connector_and_not_an_accounting_one() -> None:
    config = WooCommerceConfig(
        store_url="https://shop.example.com",
        consumer_key=SecretStr("ck"),
        consumer_secret=SecretStr("cs"),
    )
    connector = WooCommerceConnector(config)
    assert isinstance(connector, StorefrontConnector)
    assert not isinstance(connector, AccountingConnector)


def test_secret_fields_are_masked_in_config_reprs_and_split_out_for_storage() -> None:
    config = WooCommerceConfig(
        store_url="https://shop.example.com/",
        consumer_key=SecretStr("ck_1"),
        consumer_secret=SecretStr("cs_2"),
    )
    assert "cs_2" not in repr(config) and "ck_1" not in str(config)
    public, secrets = config.split()
    assert public == {"store_url": "https://shop.example.com", "per_page": 100}
    assert secrets == {"consumer_key": "ck_1", "consumer_secret": "cs_2"}
