"""NaasLabExtApp.outputs_keep_versions: the server's retention default, given to its kernels."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from traitlets import TraitError

from naas_lab_ext.app import NaasLabExtApp
from naas_lab_ext.core.env import OUTPUTS_KEEP
from naas_lab_ext.outputs.store import OutputStore
from tests.outputs import test_rest as test_outputs_api
from tests.outputs.test_rest import Get, make_product

get = test_outputs_api.get  # the fixture

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture
def jp_server_config(jp_server_config: dict[str, Any]) -> dict[str, Any]:
    return {
        "ServerApp": {"jpserver_extensions": {"naas_lab_ext": True}},
        "NaasLabExtApp": {"outputs_keep_versions": 2},
    }


async def test_the_trait_reaches_kernels_and_the_listing(
    jp_serverapp: Any, get: Get, root: Path
) -> None:
    # Given a server configured to keep 2 versions per dataset
    extension = jp_serverapp.extension_manager.extension_apps["naas_lab_ext"]
    (app,) = extension
    before = app.exports.previous[OUTPUTS_KEEP]  # what the environment held before
    product = make_product(root)
    status, body, _ = await get("outputs", product="team/sales")
    assert (status, body["keep_versions"]) == (200, 2)
    # Then the processes it starts (kernels, pipeline steps) inherit the setting
    assert os.environ[OUTPUTS_KEEP] == "2"
    store = OutputStore(product)  # reads the environment, like a kernel would
    for n in range(4):
        store.save(str(n), "raw/kept/kept.txt")
    assert len(store.versions("raw/kept")) == 2
    # And stopping the extension puts the environment back
    await app.stop_extension()
    assert os.environ.get(OUTPUTS_KEEP) == before


def test_a_negative_keep_is_refused() -> None:
    with pytest.raises(TraitError):
        NaasLabExtApp(outputs_keep_versions=-1)
