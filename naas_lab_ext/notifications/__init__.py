"""Notifications: mail (SMTP) and webhooks (Slack...) when runs fail, succeed or start.

- :mod:`.settings`: where mail goes through and to whom by default (the server's traits,
  :mod:`.config`; the environment for kernels and headless commands);
- :mod:`.rules`: who is told of which run event (a run's and its schedule's Notify JSON, checked
  by :mod:`naas_lab_ext.core.notify`);
- :mod:`.messages`: what a mail and a webhook say; :mod:`.smtp`, :mod:`.webhook` and
  :mod:`.channels` send them; :mod:`.delivery` tries again with backoff;
- :mod:`.claims`: one delivery per (event, channel, target), whichever process gets there first;
- :mod:`.dispatcher`: tails the events and delivers in background threads (in the Lab server and
  ``naas-lab scheduler``);
- :mod:`.service` (settings and test sends for REST and the CLI), :mod:`.handlers`,
  :mod:`.cli`; :mod:`.notebook` (``notify()`` and Naas's ``notification.send()``).

This module imports nothing: ``import naas_data_product`` loads :mod:`.notebook` only.
"""
