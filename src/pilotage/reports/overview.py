"""The first result shown after a load: headline figures per queue over the whole period.

Ratios are pooled from additive measures (sum of numerators / sum of denominators), never
averages of averages. The KPI catalogue (``pilotage kpi``) supersedes these figures with
declared, versioned definitions; this overview uses its default variants: service level =
answered within 20 s / offered, abandon rate = abandoned / offered, AHT = (talk + hold +
after-contact work) / answered.
"""

from __future__ import annotations

from dataclasses import dataclass

from pilotage.store import Workspace

SL_THRESHOLD_S = 20.0


@dataclass(frozen=True)
class QueueOverview:
    queue_id: str
    channel: str
    direction: str
    offered: int
    answered: int
    abandoned: int
    answered_within_threshold: int
    talk_hold_acw_s: float
    wait_answered_s: float

    @property
    def service_level(self) -> float | None:
        return self.answered_within_threshold / self.offered if self.offered else None

    @property
    def abandon_rate(self) -> float | None:
        return self.abandoned / self.offered if self.offered else None

    @property
    def aht_s(self) -> float | None:
        return self.talk_hold_acw_s / self.answered if self.answered else None

    @property
    def asa_s(self) -> float | None:
        return self.wait_answered_s / self.answered if self.answered else None


def queue_overview(workspace: Workspace) -> list[QueueOverview]:
    query = """
        SELECT queue_id, channel, direction,
               count(*) FILTER (WHERE outcome <> 'ivr_abandoned') AS offered,
               count(*) FILTER (WHERE answered_at IS NOT NULL
                                AND outcome IN ('answered', 'transferred')) AS answered,
               count(*) FILTER (WHERE outcome = 'abandoned') AS abandoned,
               count(*) FILTER (WHERE outcome IN ('answered', 'transferred')
                                AND coalesce(wait_s, 0) <= ?) AS answered_within,
               coalesce(sum(coalesce(talk_s, 0) + coalesce(hold_s, 0) + coalesce(acw_s, 0))
                        FILTER (WHERE outcome IN ('answered', 'transferred')), 0) AS handle_s,
               coalesce(sum(coalesce(wait_s, 0))
                        FILTER (WHERE outcome IN ('answered', 'transferred')), 0) AS wait_s
        FROM contacts GROUP BY ALL ORDER BY channel DESC, direction, queue_id
    """
    with workspace.connect(read_only=True) as con:
        rows = con.execute(query, [SL_THRESHOLD_S]).fetchall()
    return [QueueOverview(str(r[0]), str(r[1]), str(r[2]), int(r[3]), int(r[4]), int(r[5]),
                          int(r[6]), float(r[7]), float(r[8])) for r in rows]
