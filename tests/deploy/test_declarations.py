"""What setup.ipynb calls: by hand they check and say it takes effect at the next deploy;
during a deploy they write what they declare; the Naas spellings do the same."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from naas_lab_ext.core.errors import InvalidInput
from naas_lab_ext.deploy import declarations
from naas_lab_ext.deploy.declarations import read_declarations
from naas_lab_ext.products.scaffold import ProductSpec, create_product
from tests.deploy.conftest import jsonl
from tests.runtime.test_naas_data_product import run_python


@pytest.fixture
def product(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    create_product(tmp_path, ProductSpec(name="sales"), framework_version="test", git=False)
    folder = tmp_path / "sales"
    for name in list(os.environ):
        if name.startswith("NAAS_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("NAAS_PRODUCT_ROOT", str(folder))
    return folder


@pytest.fixture
def deploying(product: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """As during a deploy: the declarations go to a file."""
    target = tmp_path / "declarations.jsonl"
    monkeypatch.setenv("NAAS_DEPLOY_DECLARATIONS", str(target))
    return target


def test_by_hand_each_call_says_it_takes_effect_at_the_next_deploy(
    product: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # When the calls of setup.ipynb run by hand (no deploy going on)
    declarations.schedule("models/__pipeline__.ipynb", "0 8 * * *")
    declarations.unschedule("models/__pipeline__.ipynb")
    declarations.dependency("assets")
    declarations.install_requirements()
    said = capsys.readouterr().out.splitlines()
    # Then each says plainly what it declared and when it applies
    assert said[0].startswith("Declared: run models/__pipeline__.ipynb every day at 08:00 (UTC)")
    assert all(
        'next deploy (palette "Deploy product", or `naas-lab deploy sales`' in line for line in said
    )
    assert said[1].startswith("Declared: no schedule for models/__pipeline__.ipynb")
    assert said[2].startswith("Declared: dependency assets.")
    assert "requirements.txt lists nothing yet" in said[3]
    assert "%pip install -r requirements.txt" in said[3]


def test_a_bad_cron_is_refused_with_croniters_message(product: Path) -> None:
    with pytest.raises(InvalidInput, match="not acceptable, out of range") as caught:
        declarations.schedule("models/__pipeline__.ipynb", "0 25 * * *")
    assert caught.value.field == "cron"
    with pytest.raises(InvalidInput, match="not a timezone"):
        declarations.schedule("models/__pipeline__.ipynb", "0 8 * * *", timezone="Mars/Olympus")
    with pytest.raises(InvalidInput, match="catch_up must be one of"):
        declarations.schedule("models/__pipeline__.ipynb", "0 8 * * *", catch_up="all")


def test_paths_must_be_in_the_product(product: Path, tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere.ipynb"
    outside.write_text("{}")
    for bad, message in [
        ("../elsewhere.ipynb", "goes up with '..'"),
        (str(outside), "outside the product"),
        ("models/nothing.ipynb", "There is no notebook 'models/nothing.ipynb'"),
        ("models/\x00.ipynb", "not a usable"),
        ("m" * 4096, "not a usable"),
        ("", "Give the pipeline notebook"),
    ]:
        with pytest.raises(InvalidInput, match=message):
            declarations.schedule(bad, "0 8 * * *")
    # absolute inside the product is fine: MODELS_PATH / ... as the Naas setup writes it
    declarations.schedule(product / "models" / "__pipeline__.ipynb", "0 8 * * *")


def test_by_hand_a_dependency_that_leaves_the_product_is_refused(
    product: Path, tmp_path: Path
) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("not for production")
    (product / "assets" / "link.txt").symlink_to(secret)
    with pytest.raises(InvalidInput, match="leads outside the product"):
        declarations.dependency("assets/link.txt")
    with pytest.raises(InvalidInput, match=r"There is no 'assets/nothing\.png'"):
        declarations.dependency("assets/nothing.png")
    with pytest.raises(InvalidInput, match="outside the product"):
        declarations.dependency(str(secret))


def test_during_a_deploy_each_call_appends_what_it_declares(
    product: Path, deploying: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    declarations.install_requirements()
    declarations.schedule(
        "models/__pipeline__.ipynb",
        "*/5 * * * *",
        timezone="Europe/Paris",
        parameters={"days": 7},
        catch_up="latest",
        overlap="queue",
    )
    declarations.dependency(product / "assets")
    assert jsonl(deploying) == [
        {"kind": "requirements"},
        {
            "kind": "schedule",
            "replace": False,
            "spec": {
                "pipeline": "models/__pipeline__.ipynb",
                "cron": "*/5 * * * *",
                "timezone": "Europe/Paris",
                "parameters": {"days": 7},
                "notify": None,
                "catch_up": "latest",
                "overlap": "queue",
            },
        },
        {"kind": "dependency", "path": "assets"},
    ]
    said = capsys.readouterr().out
    assert "Declared for this deployment: run models/__pipeline__.ipynb every 5 minutes" in said


def test_the_naas_spellings(product: Path, deploying: Path) -> None:
    # Given Naas's calls: scheduler.add (cron= or recurrence=), .delete, dependency.add
    declarations.scheduler.add(f"{product}/models/__pipeline__.ipynb", cron="0 8 * * *")
    declarations.scheduler.add("models/__pipeline__.ipynb", recurrence="0 9 * * *", params={"a": 1})
    declarations.dependency.add("inputs/params.json")
    declared = read_declarations(deploying)
    # Then, as in Naas, a notebook has one schedule: the last add wins
    assert [(s["cron"], s["parameters"]) for s in declared.schedules] == [("0 9 * * *", {"a": 1})]
    assert declared.dependencies == ["inputs/params.json"]
    # and delete removes it
    declarations.scheduler.delete("models/__pipeline__.ipynb")
    assert read_declarations(deploying).schedules == []
    with pytest.raises(InvalidInput, match="cron= or recurrence="):
        declarations.scheduler.add("models/__pipeline__.ipynb", "0 8 * * *", "0 9 * * *")
    with pytest.raises(InvalidInput, match="Give the notebook to schedule"):
        declarations.scheduler.add(cron="0 8 * * *")


def test_declarations_add_up_in_order(product: Path, deploying: Path) -> None:
    pipeline = "models/__pipeline__.ipynb"
    declarations.schedule(pipeline, "0 8 * * *")
    declarations.schedule(pipeline, "0 18 * * *")  # a second time of day: a second schedule
    declarations.schedule(pipeline, "0 8 * * *")  # the same again (a re-run cell): once
    assert [s["cron"] for s in read_declarations(deploying).schedules] == [
        "0 8 * * *",
        "0 18 * * *",
    ]
    declarations.unschedule(pipeline)
    declarations.schedule(pipeline, "30 6 * * 1-5")
    assert [s["cron"] for s in read_declarations(deploying).schedules] == ["30 6 * * 1-5"]


def test_a_declarations_file_that_is_not_ours_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "declarations.jsonl"
    assert read_declarations(target).schedules == []  # nothing declared: no file
    target.write_text('{"kind": "schedule", "spec": {}}\nnot json\n')
    with pytest.raises(InvalidInput, match=r"Line 2 .* is not JSON"):
        read_declarations(target)
    target.write_text(json.dumps({"kind": "format_disk"}) + "\n")
    with pytest.raises(InvalidInput, match=r"Line 1 .* is not a declaration"):
        read_declarations(target)


def test_naas_data_product_exposes_the_calls_and_stays_light(product: Path) -> None:
    done = run_python(
        """
        import json, sys
        import naas_data_product as naas
        from naas_data_product import *
        print(json.dumps({
            "names": [n for n in ("install_requirements", "schedule", "unschedule",
                                  "dependency", "scheduler") if n in globals()],
            "all": naas.__all__,
            "add": callable(naas.scheduler.add) and callable(naas.dependency.add),
            "eager": sorted(m for m in ("pandas", "papermill", "nbformat", "tornado",
                            "jupyter_server", "sqlalchemy", "croniter") if m in sys.modules),
        }))
        """,
        product,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    names = ["install_requirements", "schedule", "unschedule", "dependency", "scheduler"]
    assert result["names"] == names
    assert set(names) <= set(result["all"]) and {"save", "load", "PARAMS"} <= set(result["all"])
    assert result["add"] is True
    assert result["eager"] == []  # the cron check (croniter) loads on the first schedule()


def test_a_utils_name_that_clashes_with_a_call_is_reported(product: Path) -> None:
    (product / "utils" / "jobs.py").write_text("def schedule(x):\n    return 'mine'\n")
    done = run_python("from naas_data_product import *\nprint(schedule.__module__)", product)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "naas_lab_ext.deploy.declarations"
    assert "utils/jobs.py defines 'schedule'" in done.stderr and "rename yours" in done.stderr
