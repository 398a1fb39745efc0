"""Jupyter server configuration for the UI tests.

!! Never use this configuration in production: it opens the server without a token and
exposes JupyterLab's objects to the page.
"""

import os
import shutil
from pathlib import Path

from jupyterlab.galata import configure_jupyter_server

# A fresh, known workspace for every run: products created by the tests land here.
WORKSPACE = Path(__file__).parent / ".workspace"
shutil.rmtree(WORKSPACE, ignore_errors=True)
WORKSPACE.mkdir()
os.environ["JUPYTERLAB_GALATA_ROOT_DIR"] = str(WORKSPACE)

configure_jupyter_server(c)  # noqa: F821

c.ServerApp.ip = "127.0.0.1"  # noqa: F821
c.ServerApp.port = int(os.environ.get("NAAS_UI_TEST_PORT", "8888"))  # noqa: F821
# These machines run everything as root; jupyter refuses to start as root otherwise.
c.ServerApp.allow_root = True  # noqa: F821
# Runs of the tests go to a store of their own, wiped with the workspace.
c.NaasLabExtApp.db_url = f"sqlite:///{WORKSPACE / '.naas-runs.sqlite'}"  # noqa: F821
# Deployments (production copies, their environments) are wiped with the workspace too.
c.NaasLabExtApp.deployments_dir = str(WORKSPACE / ".deployments")  # noqa: F821
# Secrets go to a vault of their own (the encrypted file, never the user's keyring), outside
# the root and wiped at each start; the server exports these to its kernels.
SECRETS = Path(__file__).parent / ".secrets"
shutil.rmtree(SECRETS, ignore_errors=True)
os.environ["NAAS_SECRETS_BACKEND"] = "file"
os.environ["NAAS_SECRETS_DIR"] = str(SECRETS / "vault")
os.environ["NAAS_SECRETS_KEY_FILE"] = str(SECRETS / "key" / "secrets.key")
os.environ.pop("NAAS_SECRETS_KEY", None)
