"""What happened to each caller of one replication, whichever engine produced it."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class Outcome:
    """Per caller (same order as :class:`~pilotage.wfm.simulation.calls.Calls`): the instant
    service started (NaN when never answered), the group that answered (−1: none) and whether
    the caller abandoned. ``overrun_*``: spans where an agent whose shift had ended kept
    working until the end of a call (group, from, to)."""

    start_s: FloatArray
    group: IntArray
    abandoned: BoolArray
    overrun_group: IntArray
    overrun_from_s: FloatArray
    overrun_to_s: FloatArray

    @property
    def answered(self) -> BoolArray:
        return np.asarray(self.group >= 0)

    @property
    def unserved(self) -> BoolArray:
        """Still waiting when the simulation ended: no agent left and no patience."""
        return np.asarray(~self.answered & ~self.abandoned)
