"""What the fake launchers of the scheduler tests share: ``start_productions`` as the real
launcher answers it, one ``start_production`` per request, an error in the place of a run."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from naas_lab_ext.core.errors import NaasError
from naas_lab_ext.pipelines.production import Production, ProductionRequest
from naas_lab_ext.pipelines.results import RunResult


class EachInTurn:
    """A launcher starting the runs of a batch one after the other."""

    def start_production(
        self, production: Production, pipeline: str, parameters: Any = None, *, source: str = ""
    ) -> RunResult:
        raise NotImplementedError

    def start_productions(
        self, requests: Sequence[ProductionRequest], *, source: str = ""
    ) -> list[RunResult | NaasError]:
        answers: list[RunResult | NaasError] = []
        for request in requests:
            try:
                answers.append(
                    self.start_production(
                        request.production, request.pipeline, request.parameters, source=source
                    )
                )
            except NaasError as exc:
                answers.append(exc)
        return answers
