"""Secrets: API keys and tokens that production runs need, kept outside every product, every
notebook and the server's root.

- :mod:`.model`: a secret's name, scope and update time (never its value), and the rules of
  names and values; :mod:`.location`: where secrets are kept and with which backend;
- :mod:`.vault`: the vault (set, get, delete, list; a product's secret shadows the user's) over
  a backend: :mod:`.keyringstore` (the OS keyring) or :mod:`.filestore` (Fernet-encrypted
  file, key kept apart), files written by :mod:`.storage`;
- :mod:`.masking`: values replaced by ``***`` in text and executed notebooks; :mod:`.kernel`:
  what a kernel prints masked once ``get()`` returned a value;
- :mod:`.notebook`: ``naas_data_product.secret`` (Naas's ``secret.add/get/delete/list``);
- :mod:`.scan`: the ``secret.get("X")`` calls of a product's notebooks (the deploy checks them);
- :mod:`.events`: the ``secret.set`` and ``secret.deleted`` events (names and scopes only);
  :mod:`.service` (REST and CLI), :mod:`.handlers`, :mod:`.cli`.

This module imports nothing: ``import naas_data_product`` loads :mod:`.notebook` only.
"""
