"""Data products: the manifest (``product.json``) that marks one, finding them under a root,
and scaffolding a new one from ``skeleton/``.

Modules: :mod:`.manifest` (read, find, describe), :mod:`.scaffold` (create),
:mod:`.catalog` (the service the REST API and the CLI use), :mod:`.handlers` (REST),
:mod:`.cli` (``naas-lab new|list``).
"""
