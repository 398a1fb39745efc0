"""The database every store shares (runs, schedules, deployments, events): the engine and its
sessions (:mod:`.engine`), the shared base and meta table (:mod:`.base`), schema versions
(:mod:`.migrations`), and who owns a record (:mod:`.processes`)."""
