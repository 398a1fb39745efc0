"""The server's secrets options: the backend trait, and a vault Jupyter would serve refused."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from naas_lab_ext.app import NaasLabExtApp


def test_the_backend_defaults_to_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NAAS_SECRETS_BACKEND", "Keyring")
    assert NaasLabExtApp().secrets_backend == "keyring"
    monkeypatch.delenv("NAAS_SECRETS_BACKEND")
    assert NaasLabExtApp().secrets_backend == "auto"
    with pytest.raises(Exception, match="secrets_backend"):
        NaasLabExtApp(secrets_backend="vault9000")


@pytest.fixture
def vault_in_the_root(jp_root_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = Path(jp_root_dir) / "secrets"
    monkeypatch.setenv("NAAS_SECRETS_DIR", str(folder))
    return folder


async def test_a_vault_inside_the_root_is_refused(
    capfd: pytest.CaptureFixture[str], vault_in_the_root: Path, jp_fetch: Any
) -> None:
    # The extension refuses to start (its routes are missing), saying what to change
    response = await jp_fetch("naas-lab-ext", "secrets", raise_error=False)
    assert response.code == 404
    said = " ".join(capfd.readouterr())
    assert "inside the Jupyter root" in said and "set NAAS_SECRETS_DIR" in said
    assert not vault_in_the_root.exists()
