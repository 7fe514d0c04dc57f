"""The registry loads connectors lazily by name and turns every failure into one clear
configuration error."""

from __future__ import annotations

from importlib.metadata import EntryPoint

import pytest

from connectors.base import FatalConfigurationError
from connectors.registry import GROUP, Registry, UnknownConnector

WOO = "connectors.shop_platforms.woocommerce:WooCommerceConnector"


def registry(**points: str) -> Registry:
    return Registry(lambda: [EntryPoint(name, value, GROUP) for name, value in points.items()])


def test_nothing_is_imported_until_a_connector_is_asked_for() -> None:
    lazy = registry(woocommerce=WOO, broken="no_such_module_xyz:Connector")
    assert lazy.names() == ["broken", "woocommerce"]  # listing names imports nothing
    assert lazy.load("woocommerce").name == "woocommerce"


def test_an_unknown_name_lists_what_is_installed() -> None:
    with pytest.raises(UnknownConnector, match=r"'shopfy' .*installed: broken, woocommerce"):
        registry(woocommerce=WOO, broken="x:y").load("shopfy")


@pytest.mark.parametrize(
    ("value", "why"),
    [("no_such_module_xyz:Connector", "failed to load"), ("json:dumps", "lacks 'name'")],
)
def test_a_broken_plug_in_is_a_configuration_error_not_a_crash(value: str, why: str) -> None:
    with pytest.raises(FatalConfigurationError, match=why):
        registry(broken=value).load("broken")


def test_describe_all_reports_broken_plug_ins_beside_the_working_ones() -> None:
    infos, broken = registry(woocommerce=WOO, broken="no_such_module_xyz:C").describe_all()
    assert [i.name for i in infos] == ["woocommerce"]
    assert list(broken) == ["broken"] and "failed to load" in broken["broken"]
