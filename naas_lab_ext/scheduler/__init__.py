"""The scheduler: a product's pipelines run on cron schedules, from its active deployment.

Modules: :mod:`.cron` (cron expressions with croniter, in a timezone, right across DST; in
words), :mod:`.spec` (a schedule as setup.ipynb declares it), :mod:`.orm` (the tables),
:mod:`.schedule` (a stored schedule and its firings), :mod:`.repository` (``ScheduleStore``:
schedules replaced per product, firings claimed once), :mod:`.loop` (``Scheduler``: sleep,
claim, start the run; the headless driver), :mod:`.task` (the asyncio driver in a server),
:mod:`.service` (what REST and the CLI share), :mod:`.handlers`, :mod:`.cli`.
See docs/scheduler.md.
"""
