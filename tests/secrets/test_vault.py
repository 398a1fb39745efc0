"""The file vault: scopes, listing, validation, what lands on disk (encrypted, 0600 in 0700,
the key apart), wrong keys, concurrent writers."""

from __future__ import annotations

import json
import multiprocessing
import os
import stat
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from naas_lab_ext.core.errors import Forbidden, InvalidInput
from naas_lab_ext.secrets.location import INDEX_FILE, SECRETS_FILE, SecretsConfig
from naas_lab_ext.secrets.model import MAX_VALUE_BYTES, SecretsUnavailable
from naas_lab_ext.secrets.vault import Vault, open_vault
from tests.secrets.conftest import SECRET_VALUE, all_text_under, config_of


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_set_get_delete_list_in_the_users_scope(vault: Vault) -> None:
    # Given an empty vault, when a secret is set
    assert vault.get("API_KEY") is None and vault.list() == []
    info = vault.set("API_KEY", SECRET_VALUE)
    # Then it reads back, and the listing names it without its value
    assert vault.get("API_KEY") == SECRET_VALUE
    assert (info.name, info.scope, info.product) == ("API_KEY", "user", None)
    listed = vault.list()
    assert [i.to_json() for i in listed] == [info.to_json()]
    assert SECRET_VALUE not in json.dumps([i.to_json() for i in listed])
    assert info.to_json()["updated_at"].endswith("Z")
    # When it is replaced, then deleted
    vault.set("API_KEY", "second-value")
    assert vault.get("API_KEY") == "second-value"
    assert vault.delete("API_KEY") is True
    assert vault.get("API_KEY") is None and vault.list() == []
    assert vault.delete("API_KEY") is False


def test_a_products_secret_shadows_the_users(vault: Vault, tmp_path: Path) -> None:
    product = tmp_path / "sales"
    product.mkdir()
    link = tmp_path / "sales-link"
    link.symlink_to(product)
    vault.set("TOKEN", "user-token")
    vault.set("ONLY_USER", "user-only")
    vault.set("TOKEN", "product-token", product=link)  # keyed by its real path
    # The product reads its own first, then the user's; the user never sees the product's
    assert vault.get("TOKEN", product=product) == "product-token"
    assert vault.get("ONLY_USER", product=product) == "user-only"
    assert vault.get("TOKEN") == "user-token"
    # The listing of a product: its secrets first, then the user's
    listed = [(i.name, i.scope, i.product) for i in vault.list(product)]
    assert listed == [
        ("TOKEN", "product", str(product.resolve())),
        ("ONLY_USER", "user", None),
        ("TOKEN", "user", None),
    ]
    assert [i.name for i in vault.list()] == ["ONLY_USER", "TOKEN"]
    # Deleting the product's uncovers the user's
    assert vault.delete("TOKEN", product=product)
    assert vault.get("TOKEN", product=product) == "user-token"
    assert sorted(vault.values(product)) == ["user-only", "user-token"]


def test_values_are_encrypted_and_files_are_private(
    vault: Vault, secrets_places: dict[str, Path]
) -> None:
    folder, key_file = secrets_places["folder"], secrets_places["key_file"]
    assert not folder.exists() and not key_file.exists()  # opening the vault writes nothing
    vault.set("API_KEY", SECRET_VALUE)
    # The folder is 0700, the values file, the index and the key 0600
    assert mode(folder) == 0o700
    assert mode(folder / SECRETS_FILE) == 0o600
    assert mode(folder / INDEX_FILE) == 0o600
    assert mode(key_file) == 0o600 and mode(key_file.parent) == 0o700
    # The key is apart from the values, and the value is nowhere in clear
    assert folder not in key_file.parents
    assert SECRET_VALUE not in all_text_under(folder)
    assert "API_KEY" in (folder / INDEX_FILE).read_text()
    # Nothing temporary is left behind
    assert sorted(p.name for p in folder.iterdir()) == [".secrets.lock", INDEX_FILE, SECRETS_FILE]


def test_loosened_modes_are_tightened_again(vault: Vault, secrets_places: dict[str, Path]) -> None:
    vault.set("API_KEY", SECRET_VALUE)
    folder = secrets_places["folder"]
    folder.chmod(0o755)
    (folder / SECRETS_FILE).chmod(0o644)
    secrets_places["key_file"].chmod(0o644)
    assert open_vault().get("API_KEY") == SECRET_VALUE
    assert mode(folder / SECRETS_FILE) == 0o600
    assert mode(secrets_places["key_file"]) == 0o600
    open_vault().set("OTHER", "x" * 8)
    assert mode(folder) == 0o700


def test_a_wrong_key_is_a_clear_error_naming_the_key_file(
    vault: Vault, secrets_places: dict[str, Path]
) -> None:
    vault.set("API_KEY", SECRET_VALUE)
    secrets_places["key_file"].write_bytes(Fernet.generate_key())
    with pytest.raises(SecretsUnavailable) as caught:
        open_vault().get("API_KEY")
    assert str(secrets_places["key_file"]) in caught.value.message
    assert "another key" in caught.value.message
    assert SECRET_VALUE not in caught.value.message


def test_a_missing_key_file_is_a_clear_error(vault: Vault, secrets_places: dict[str, Path]) -> None:
    vault.set("API_KEY", SECRET_VALUE)
    secrets_places["key_file"].unlink()
    with pytest.raises(SecretsUnavailable, match="missing"):
        open_vault().get("API_KEY")


def test_a_key_from_the_environment(
    secrets_places: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    key = Fernet.generate_key().decode()
    monkeypatch.setenv("NAAS_SECRETS_KEY", key)
    open_vault().set("API_KEY", SECRET_VALUE)
    assert open_vault().get("API_KEY") == SECRET_VALUE
    assert not secrets_places["key_file"].exists()  # no key file when the key is given
    # a wrong key in the environment is named, never shown
    monkeypatch.setenv("NAAS_SECRETS_KEY", "not-a-key")
    with pytest.raises(SecretsUnavailable) as caught:
        open_vault().get("API_KEY")
    assert "NAAS_SECRETS_KEY" in caught.value.message
    assert "not-a-key" not in caught.value.message


def test_a_damaged_file_is_a_clear_error(vault: Vault, secrets_places: dict[str, Path]) -> None:
    vault.set("API_KEY", SECRET_VALUE)
    (secrets_places["folder"] / SECRETS_FILE).write_text("{not json")
    with pytest.raises(SecretsUnavailable, match="damaged"):
        open_vault().get("API_KEY")


@pytest.mark.parametrize(
    ("name", "value", "field"),
    [
        ("", "v", "name"),
        ("9LIVES", "v", "name"),
        ("has space", "v", "name"),
        ("a/b", "v", "name"),
        ("x" * 129, "v", "name"),
        ("OK", "", "value"),
        ("OK", "nul\x00inside", "value"),
        ("OK", "x" * (MAX_VALUE_BYTES + 1), "value"),
        ("OK", 42, "value"),
        ("OK", "\ud800lone", "value"),
    ],
)
def test_bad_names_and_values_are_refused_without_echoing_the_value(
    vault: Vault, name: str, value: object, field: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        vault.set(name, value)  # type: ignore[arg-type]
    assert caught.value.field == field
    if isinstance(value, str) and len(value) > 2:
        assert value not in caught.value.message
    assert vault.list() == []


def test_names_at_the_limits_are_accepted(vault: Vault) -> None:
    for name in ("_", "a" * 128, "Slack.webhook-2", "_private"):
        vault.set(name, "x" * MAX_VALUE_BYTES if name == "_" else "value")
    assert len(vault.list()) == 4
    assert vault.get("_") == "x" * MAX_VALUE_BYTES


def test_the_key_is_refused_inside_the_secrets_folder(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="apart"):
        SecretsConfig(
            backend="file", folder=tmp_path / "s", key_file=tmp_path / "s" / "k.key"
        ).checked()


def test_places_inside_the_server_root_are_refused(tmp_path: Path) -> None:
    root = tmp_path / "root"
    root.mkdir()
    outside = tmp_path / "elsewhere"
    inside = SecretsConfig(backend="file", folder=root / "secrets", key_file=outside / "k.key")
    with pytest.raises(Forbidden, match="NAAS_SECRETS_DIR"):
        open_vault(inside, root=root)
    key_inside = SecretsConfig(backend="file", folder=outside / "s", key_file=root / "k.key")
    with pytest.raises(Forbidden, match="NAAS_SECRETS_KEY_FILE"):
        key_inside.check_outside(root)
    # A hidden folder of the root (a root of ~ holds ~/.jupyter) is not served by Jupyter...
    hidden = SecretsConfig(
        backend="file", folder=root / ".local" / "s", key_file=root / ".jupyter" / "k.key"
    )
    hidden.check_outside(root)
    # ... unless it serves hidden files
    with pytest.raises(Forbidden):
        hidden.check_outside(root, allow_hidden=True)
    # Outside the root is fine
    config_of({"folder": outside / "s", "key_file": outside / "k" / "k.key"}).check_outside(root)


def _writer(folder: str, key_file: str, prefix: str, count: int) -> None:
    config = SecretsConfig(backend="file", folder=Path(folder), key_file=Path(key_file))
    vault = open_vault(config)
    for number in range(count):
        vault.set(f"{prefix}_{number}", f"value-{prefix}-{number}")


def test_two_processes_writing_at_once_lose_nothing(secrets_places: dict[str, Path]) -> None:
    # Given two processes that each set 15 secrets in the same vault, at the same time (the
    # first use also races to create the key)
    ctx = multiprocessing.get_context("spawn")
    args = (str(secrets_places["folder"]), str(secrets_places["key_file"]))
    workers = [ctx.Process(target=_writer, args=(*args, p, 15)) for p in ("A", "B")]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
        assert worker.exitcode == 0
    # Then every secret of both is there and readable with the one key
    vault = open_vault()
    assert len(vault.list()) == 30
    for prefix in ("A", "B"):
        for number in range(15):
            assert vault.get(f"{prefix}_{number}") == f"value-{prefix}-{number}"


def test_the_backend_setting_is_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NAAS_SECRETS_BACKEND", "vault9000")
    with pytest.raises(InvalidInput, match="auto, keyring, file"):
        open_vault()
    assert os.environ["NAAS_SECRETS_BACKEND"] == "vault9000"


def test_by_default_values_in_the_data_dir_and_the_key_in_the_config_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("NAAS_SECRETS_DIR")
    monkeypatch.delenv("NAAS_SECRETS_KEY_FILE")
    monkeypatch.setenv("JUPYTER_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("JUPYTER_CONFIG_DIR", str(tmp_path / "config"))
    vault = open_vault()
    vault.set("API_KEY", SECRET_VALUE)
    assert (tmp_path / "data" / "naas_lab_ext" / SECRETS_FILE).is_file()
    assert mode(tmp_path / "config" / "naas_lab_ext" / "secrets.key") == 0o600
    assert vault.config.exports("file") == {
        "NAAS_SECRETS_BACKEND": "file",
        "NAAS_SECRETS_DIR": str(tmp_path / "data" / "naas_lab_ext"),
        "NAAS_SECRETS_KEY_FILE": str(tmp_path / "config" / "naas_lab_ext" / "secrets.key"),
    }
