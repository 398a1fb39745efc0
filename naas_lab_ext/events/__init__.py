"""What happened, in one log: runs, steps, deploys, schedules, template syncs, notifications.

:mod:`.kinds` names every kind of event and its level; :mod:`.orm` is the events table of
the shared database; :mod:`.store` records events (inside the transaction of the change they
tell of, so a run's end and its event are written together) and reads them back, newest
first, a page at a time (keyset paging) or after a cursor (the notifications and the Lab's
live view tail them); :mod:`.redact` keeps secrets out. :mod:`.service` is the log as a
Jupyter root sees it (REST, CLI), :mod:`.emitter` the stream a server emits through
jupyter_events (and the daily prune); :mod:`.handlers` and :mod:`.cli` serve it.
"""
