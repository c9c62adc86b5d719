"""How the experience-score indicators count a chat: the score rulebook's numbers, not ours.

Which sessions count (those started from ``service_first_hour``:00 to
``service_last_hour``:59:59), when a round counts for the 3-minute rate
(``reply_target_seconds`` per answered round) and what an unanswered round costs
(``unanswered_round_seconds``) are parameters of the score rulebooks, read by the scoring
stage (:data:`merchantry.scoring.inputs.PARAMETER_DEFAULTS`). The customer-service stages
(agents' performance, the certification checks, the replay) read the same numbers, handed
to them as a :class:`ScoreConventions` that the service layer takes from a score rulebook,
and pass them to DuckDB as parameters: a score rulebook that moves the service hours moves
the figures here too.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from merchantry.store.sql import parameters_in

PARAMETERS: Final = (
    "service_first_hour",
    "service_last_hour",
    "reply_target_seconds",
    "unanswered_round_seconds",
)
"""The score rulebook parameters the customer-service stages read, by their names there."""

IN_SERVICE_HOURS: Final = "hour(started_at) BETWEEN $service_first_hour AND $service_last_hour"
"""A session counts for the indicators (SQL over ``cs_sessions``, the parameters bound)."""


@dataclass(frozen=True, slots=True)
class ScoreConventions:
    """The four numbers, and the score rulebook they come from."""

    rulebook: str
    service_first_hour: int
    service_last_hour: int
    reply_target_seconds: int
    unanswered_round_seconds: int

    def parameters(self, statement: str) -> dict[str, int]:
        """The numbers ``statement`` reads, as SQL parameters (``$service_first_hour`` …)."""
        used = parameters_in(statement)
        return {name: getattr(self, name) for name in PARAMETERS if name in used}

    def describe(self) -> str:
        return (
            f"{self.rulebook}: sessions started {self.service_first_hour:02d}:00–"
            f"{self.service_last_hour:02d}:59, reply target {self.reply_target_seconds} s, "
            f"unanswered round {self.unanswered_round_seconds} s"
        )
