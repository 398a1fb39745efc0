"""Versioned outputs of a product, laid out like a data lake.

Modules: :mod:`.store` (save, load, versions, latest, retention), :mod:`.formats` (what is
written and read, by type and extension), :mod:`.settings` (how many versions are kept),
:mod:`.listing` (datasets and versions as the UI and the CLI list them), :mod:`.handlers`
(REST), :mod:`.cli` (``naas-lab outputs``).
"""
