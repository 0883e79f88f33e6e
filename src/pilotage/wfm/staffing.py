"""Staffing requirements and achieved metrics per interval (Erlang C or Erlang A), vectorised.

Two questions, each answered for whole arrays of intervals at once:

* :func:`achieved_metrics`: for a given headcount, the service level, ASA, probability of
  waiting, probability of abandoning and occupancy (definitions in :mod:`pilotage.wfm.erlang`).
* :func:`required_agents`: the smallest whole number of agents N meeting every given target
  (service level within ``threshold_s``, ASA, abandonment) and the maximum occupancy, its
  fractional counterpart, and the positions to schedule after shrinkage,
  ``ceil(N / (1 − shrinkage))``.

Fractional agents: for each constraint, with N its smallest whole answer, the fractional answer is
N − 1 + t, where t ∈ (0, 1] is where the straight line between the constraint's metric at N − 1
and at N reaches the target (service level as is; ASA as answer speed 1/(1 + ASA/AHT) so that an
infinite ASA at N − 1 is handled; abandonment as is; occupancy as its inverse, so that Erlang C
gives exactly load / max occupancy). The overall fractional answer
is the largest over the constraints, so ``ceil(agents_fractional) == agents`` always holds.

Model: Erlang C when ``patience_s`` is None, Erlang A (exponential patience of that mean)
otherwise. Erlang C has no abandonment: its ``p_abandon`` is 0 and an abandonment target needs
a patience.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from functools import cached_property
from typing import Any

import numpy as np
import numpy.typing as npt

from pilotage.errors import ParameterError
from pilotage.wfm import erlang, headcount

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

_CEIL_TOLERANCE = 1e-9  # 14 / 0.7 is 20.000000000000004 in floating point; it means 20


class QueueModel(StrEnum):
    """Queueing model used for an interval."""

    ERLANG_C = "erlang_c"  # M/M/N, callers never abandon
    ERLANG_A = "erlang_a"  # M/M/N+M, exponential patience


class Constraint(StrEnum):
    """The requirement that sets the number of agents."""

    SERVICE_LEVEL = "service_level"
    ASA = "asa"
    ABANDON = "abandon"
    OCCUPANCY = "occupancy"
    NO_LOAD = "no_load"  # no offered contacts: zero agents


def _ceil(values: FloatArray) -> IntArray:
    return np.ceil(values - _CEIL_TOLERANCE * np.maximum(1.0, np.abs(values))).astype(np.int64)


def positions_after_shrinkage(agents: npt.ArrayLike, shrinkage: float) -> IntArray:
    """Positions to schedule: ceil(agents / (1 − shrinkage)), shrinkage in [0, 1)."""
    _check_fraction("shrinkage", shrinkage, upper_open=True)
    return _ceil(np.asarray(agents, dtype=np.float64) / (1.0 - shrinkage))


@dataclass(frozen=True)
class Workload:
    """Offered work per interval; arrays of one common shape (1-D)."""

    volume: FloatArray  # offered contacts per interval
    interval_min: FloatArray
    aht_s: FloatArray
    patience_s: FloatArray | None  # None → Erlang C

    @classmethod
    def of(cls, volume: npt.ArrayLike, aht_s: npt.ArrayLike, interval_min: npt.ArrayLike = 30.0,
           patience_s: npt.ArrayLike | None = None) -> Workload:
        arrays = [np.atleast_1d(np.asarray(v, dtype=np.float64))
                  for v in (volume, interval_min, aht_s)]
        if patience_s is not None:
            arrays.append(np.atleast_1d(np.asarray(patience_s, dtype=np.float64)))
        try:
            b = [np.ascontiguousarray(a.ravel()) for a in np.broadcast_arrays(*arrays)]
        except ValueError as exc:
            raise ParameterError(f"volume, interval_min, aht_s and patience_s do not have "
                                 f"compatible shapes: {exc}",
                                 hint="give one value per interval, or a single value") from exc
        _check_array("volume", b[0], allow_zero=True)
        _check_array("interval_min", b[1])
        _check_array("aht_s", b[2])
        if patience_s is not None:
            _check_array("patience_s", b[3])
        return cls(volume=b[0], interval_min=b[1], aht_s=b[2],
                   patience_s=b[3] if patience_s is not None else None)

    @property
    def model(self) -> QueueModel:
        return QueueModel.ERLANG_C if self.patience_s is None else QueueModel.ERLANG_A

    @cached_property
    def arrival_rate_per_s(self) -> FloatArray:
        return self.volume / (self.interval_min * 60.0)

    @cached_property
    def load_erl(self) -> FloatArray:
        return self.arrival_rate_per_s * self.aht_s

    def take(self, index: npt.NDArray[np.intp]) -> Workload:
        return Workload(self.volume[index], self.interval_min[index], self.aht_s[index],
                        None if self.patience_s is None else self.patience_s[index])

    def __len__(self) -> int:
        return int(self.volume.shape[0])


@dataclass(frozen=True)
class StaffingMetrics:
    """Achieved metrics per interval for a headcount (definitions: :mod:`pilotage.wfm.erlang`).

    ``stable`` is False where an Erlang C queue has no steady state (agents ≤ load): there
    ``p_wait`` = 1, ``service_level`` = 0, ``asa_s`` = +inf and ``occupancy`` = 1.
    """

    model: QueueModel
    agents: FloatArray
    load_erl: FloatArray
    threshold_s: FloatArray
    service_level: FloatArray
    asa_s: FloatArray
    p_wait: FloatArray
    p_abandon: FloatArray
    occupancy: FloatArray
    stable: BoolArray


def _metrics(work: Workload, agents: FloatArray, threshold_s: FloatArray) -> StaffingMetrics:
    load = work.load_erl
    if work.patience_s is None:
        # C computed once; SL and ASA as in erlang.erlang_c_service_level / erlang_c_asa_s
        p_wait = erlang.erlang_c(agents, load)
        stable = (agents > load) | (load <= 0)
        gap = np.where(stable, agents - load, 1.0)
        sl = np.where(stable, np.clip(1.0 - p_wait * np.exp(-gap * threshold_s / work.aht_s),
                                      0.0, 1.0), 0.0)
        with np.errstate(divide="ignore", invalid="ignore"):
            asa = np.where(stable, np.where(p_wait > 0, p_wait * work.aht_s / gap, 0.0), np.inf)
            occ = np.where(agents > 0, np.minimum(load / agents, 1.0), 0.0)
        occ = np.where(load <= 0, 0.0, occ)
        p_ab = np.zeros_like(load)
    else:
        res = erlang.erlang_a(agents, work.arrival_rate_per_s, work.aht_s, work.patience_s,
                              threshold_s)
        p_wait, sl, asa, p_ab, occ = (np.asarray(res.p_wait), np.asarray(res.service_level),
                                      np.asarray(res.asa_s), np.asarray(res.p_abandon),
                                      np.asarray(res.occupancy))
        stable = np.ones(load.shape, dtype=np.bool_)
    return StaffingMetrics(model=work.model, agents=agents, load_erl=load,
                           threshold_s=threshold_s, service_level=sl, asa_s=asa, p_wait=p_wait,
                           p_abandon=p_ab, occupancy=occ, stable=stable)


def achieved_metrics(volume: npt.ArrayLike, aht_s: npt.ArrayLike, agents: npt.ArrayLike, *,
                     interval_min: npt.ArrayLike = 30.0, threshold_s: npt.ArrayLike = 20.0,
                     patience_s: npt.ArrayLike | None = None) -> StaffingMetrics:
    """Metrics achieved with ``agents`` per interval (arrays broadcast together)."""
    inputs = [np.atleast_1d(np.asarray(v, dtype=np.float64)).ravel()
              for v in (volume, aht_s, interval_min, agents, threshold_s)]
    if patience_s is not None:
        inputs.append(np.atleast_1d(np.asarray(patience_s, dtype=np.float64)).ravel())
    try:
        b = [np.ascontiguousarray(a) for a in np.broadcast_arrays(*inputs)]
    except ValueError as exc:
        raise ParameterError(f"volume, aht_s, interval_min, agents, threshold_s and patience_s "
                             f"do not have compatible shapes: {exc}",
                             hint="give one value per interval, or a single value") from exc
    work = Workload.of(b[0], b[1], b[2], b[5] if patience_s is not None else None)
    agents_a, t_a = b[3], b[4]
    _check_array("agents", agents_a, allow_zero=True)
    _check_array("threshold_s", t_a, allow_zero=True)
    return _metrics(work, agents_a, t_a)


@dataclass(frozen=True)
class StaffingTarget:
    """What an interval must achieve; at least one of service level, ASA, abandonment."""

    service_level: float | None = None  # fraction answered within threshold_s, in (0, 1)
    threshold_s: float = 20.0
    asa_s: float | None = None
    max_abandon: float | None = None  # Erlang A only, in (0, 1)
    max_occupancy: float = 1.0  # in (0, 1]

    def __post_init__(self) -> None:
        if self.service_level is None and self.asa_s is None and self.max_abandon is None:
            raise ParameterError("no staffing target given",
                                 hint="give a service level (--sl), an ASA (--asa-s) or a "
                                      "maximum abandonment (--max-abandon)")
        if self.service_level is not None and not 0.0 < self.service_level < 1.0:
            raise ParameterError(f"--sl must be in (0, 1), got {self.service_level!r}",
                                 hint="write 80 % as 0.8; 100 % cannot be guaranteed")
        _check_scalar("--threshold-s", self.threshold_s, allow_zero=True)
        if self.asa_s is not None:
            _check_scalar("--asa-s", self.asa_s)
        if self.max_abandon is not None and not 0.0 < self.max_abandon < 1.0:
            raise ParameterError(f"--max-abandon must be in (0, 1), got {self.max_abandon!r}",
                                 hint="write 5 % as 0.05")
        if not (math.isfinite(self.max_occupancy) and 0.0 < self.max_occupancy <= 1.0):
            raise ParameterError(f"--max-occupancy must be in (0, 1], got {self.max_occupancy!r}",
                                 hint="write 85 % as 0.85; 1 means no cap")


@dataclass(frozen=True)
class StaffingRequirement:
    """Agents required per interval and the metrics they achieve."""

    agents: IntArray  # smallest whole N meeting every constraint, before shrinkage
    agents_fractional: FloatArray  # continuous interpolation (module docstring)
    positions: IntArray  # ceil(agents / (1 − shrinkage))
    shrinkage: float
    binding: npt.NDArray[np.str_]  # Constraint value that sets ``agents``
    metrics: StaffingMetrics  # at ``agents``


def _goodness(kind: Constraint, m: StaffingMetrics, aht_s: FloatArray) -> FloatArray:
    """A metric that increases with agents, so a target is met when goodness ≥ its goal."""
    match kind:
        case Constraint.SERVICE_LEVEL:
            return m.service_level
        case Constraint.ASA:
            return 1.0 / (1.0 + m.asa_s / aht_s)  # +inf ASA → 0
        case Constraint.ABANDON:
            return -m.p_abandon
        case Constraint.OCCUPANCY:  # agents per answered Erlang: linear in N for Erlang C
            with np.errstate(divide="ignore"):
                return np.asarray(1.0 / m.occupancy)
    raise AssertionError(kind)  # pragma: no cover


def _goal(kind: Constraint, target: StaffingTarget, aht_s: FloatArray) -> FloatArray:
    match kind:
        case Constraint.SERVICE_LEVEL:
            return np.full_like(aht_s, float(target.service_level or 0.0))
        case Constraint.ASA:
            return 1.0 / (1.0 + float(target.asa_s or 0.0) / aht_s)
        case Constraint.ABANDON:
            return np.full_like(aht_s, -float(target.max_abandon or 0.0))
        case Constraint.OCCUPANCY:
            return np.full_like(aht_s, 1.0 / target.max_occupancy)
    raise AssertionError(kind)  # pragma: no cover


_RTOL = 1e-12  # a target met to 12 digits is met (e.g. occupancy 0.85 exactly at N = A/0.85)
_CODES = np.array([c.value for c in Constraint])  # binding constraint names by code
_NO_LOAD = list(Constraint).index(Constraint.NO_LOAD)


def _needed(goal: FloatArray) -> FloatArray:
    return goal - _RTOL * np.maximum(1.0, np.abs(goal))


def _fractional(agents: IntArray, goal: FloatArray, g_lo: FloatArray,
                g_hi: FloatArray) -> FloatArray:
    """N − 1 + t, t ∈ (0, 1] where the line from goodness at N − 1 to N reaches the goal."""
    with np.errstate(divide="ignore", invalid="ignore"):
        t = (goal - g_lo) / (g_hi - g_lo)
    t = np.where(np.isfinite(t), np.clip(t, 0.0, 1.0), 1.0)
    t = np.where(t <= 0.0, np.nextafter(0.0, 1.0), t)
    return np.where(agents > 0, agents - 1.0 + t, 0.0)


def _occupancy_cap(work: Workload, target: StaffingTarget) -> tuple[IntArray, FloatArray]:
    """Erlang C occupancy cap in closed form: ceil(A / max occupancy), at least 1."""
    exact = work.load_erl / target.max_occupancy
    return np.maximum(_ceil(exact), 1), exact


def _gallop_agents(work: Workload, threshold_s: FloatArray, kind: Constraint,
                   target: StaffingTarget, guess: FloatArray) -> tuple[IntArray, FloatArray]:
    """Smallest whole N meeting one constraint (any model) by a galloping search from a guess."""
    goal = _goal(kind, target, work.aht_s)

    def goodness(idx: npt.NDArray[np.intp], agents: FloatArray) -> FloatArray:
        m = _metrics(work.take(idx), agents, threshold_s[idx])
        return _goodness(kind, m, work.aht_s[idx])

    load = work.load_erl
    # a bound known to fail (−1: N = 0 not known to); zero agents have no occupancy but cannot
    # serve; Erlang C fails for N ≤ A
    if kind is Constraint.OCCUPANCY:
        known_fail = np.zeros(len(work))
    elif work.patience_s is None:
        known_fail = np.where(load > 0, np.floor(load), -1.0)
    else:
        known_fail = np.full(len(work), -1.0)
    rungs = headcount.gallop(goodness, _needed(goal), guess, known_fail)
    agents, g_lo = rungs.agents, rungs.goodness_below.copy()
    missing = np.flatnonzero(np.isnan(g_lo) & (agents > 0))  # N − 1 was the known bound
    if missing.size:
        g_lo[missing] = goodness(missing, agents[missing].astype(np.float64) - 1.0)
    return agents, _fractional(agents, goal, g_lo, rungs.goodness_at)


def _erlang_a_guess(work: Workload, threshold_s: FloatArray, kind: Constraint,
                    target: StaffingTarget) -> FloatArray:
    """Where the galloping search starts for Erlang A: the square-root (Erlang C) estimate for
    SL and ASA, the fluid answer A·(1 − p) for abandonment, A / max occupancy for occupancy."""
    load = work.load_erl
    match kind:
        case Constraint.SERVICE_LEVEL:
            return headcount.square_root_staffing(load, work.aht_s, threshold_s,
                                                  service_level=target.service_level)
        case Constraint.ASA:
            return headcount.square_root_staffing(load, work.aht_s, threshold_s,
                                                  asa_s=target.asa_s)
        case Constraint.ABANDON:
            return np.asarray(load * (1.0 - float(target.max_abandon or 0.0)))
        case Constraint.OCCUPANCY:
            return np.asarray(load / target.max_occupancy)
    raise AssertionError(kind)  # pragma: no cover


def _erlang_c_metrics(work: Workload, agents: FloatArray, threshold_s: FloatArray,
                      inverse_b: FloatArray) -> StaffingMetrics:
    """Erlang C metrics at N > A from 1/B(N, A) (no special function)."""
    load = work.load_erl
    rho = load / agents
    p_wait = np.clip(1.0 / (rho + (1.0 - rho) * inverse_b), 0.0, 1.0)
    gap = agents - load
    sl = np.clip(1.0 - p_wait * np.exp(-gap * threshold_s / work.aht_s), 0.0, 1.0)
    return StaffingMetrics(model=QueueModel.ERLANG_C, agents=agents, load_erl=load,
                           threshold_s=threshold_s, service_level=sl,
                           asa_s=p_wait * work.aht_s / gap, p_wait=p_wait,
                           p_abandon=np.zeros_like(load), occupancy=np.minimum(rho, 1.0),
                           stable=np.ones(load.shape, dtype=np.bool_))


def _erlang_c_requirement(work: Workload, threshold_s: FloatArray, kinds: list[Constraint],
                          target: StaffingTarget
                          ) -> tuple[dict[Constraint, tuple[IntArray, FloatArray]],
                                     Callable[[IntArray], StaffingMetrics]]:
    """Per constraint (N, fractional N) by the Erlang C ladder, and the metrics at any N ≥ them."""
    load, aht = work.load_erl, work.aht_s
    goals = {k: _goal(k, target, aht) for k in kinds if k is not Constraint.OCCUPANCY}
    first = None
    for k in goals:
        estimate = headcount.square_root_staffing(
            load, aht, threshold_s, service_level=target.service_level
            if k is Constraint.SERVICE_LEVEL else None, asa_s=target.asa_s)
        rung = np.ceil(estimate) - 1.0
        first = rung if first is None else np.minimum(first, rung)
    assert first is not None  # Erlang C targets always include SL or ASA
    out: dict[Constraint, tuple[IntArray, FloatArray]] = {}
    enough = None
    if Constraint.OCCUPANCY in kinds:  # start at the cap where it is higher: one rung to go
        out[Constraint.OCCUPANCY] = _occupancy_cap(work, target)
        enough = out[Constraint.OCCUPANCY][0].astype(np.float64)
        first = np.maximum(first, enough - 1.0)
    top = headcount.erlang_c_ladder(load, aht, threshold_s,
                                    {k.value: _needed(g) for k, g in goals.items()}, first,
                                    enough)
    for k, goal in goals.items():
        rungs = top.rungs[k.value]
        out[k] = rungs.agents, _fractional(rungs.agents, goal, rungs.goodness_below,
                                           rungs.goodness_at)

    def metrics_at(agents: IntArray) -> StaffingMetrics:
        n = agents.astype(np.float64)
        inverse_b = erlang.advance_inverse_erlang_b(top.inverse_b, top.agents,
                                                    agents - top.agents.astype(np.int64), load)
        return _erlang_c_metrics(work, n, threshold_s, inverse_b)

    return out, metrics_at


def required_agents(volume: npt.ArrayLike, aht_s: npt.ArrayLike, target: StaffingTarget, *,
                    interval_min: npt.ArrayLike = 30.0, shrinkage: float = 0.0,
                    patience_s: npt.ArrayLike | None = None) -> StaffingRequirement:
    """Smallest headcount per interval meeting ``target`` (all its constraints at once)."""
    work = Workload.of(volume, aht_s, interval_min, patience_s)
    _check_fraction("shrinkage", shrinkage, upper_open=True)
    if target.max_abandon is not None and work.patience_s is None:
        raise ParameterError(f"--max-abandon {target.max_abandon} needs a patience: Erlang C "
                             "has no abandonment", hint="give --patience-s (Erlang A)")
    n = len(work)
    threshold = np.full(n, float(target.threshold_s))
    kinds = [k for k, given in ((Constraint.SERVICE_LEVEL, target.service_level),
                                (Constraint.ASA, target.asa_s),
                                (Constraint.ABANDON, target.max_abandon)) if given is not None]
    if target.max_occupancy < 1.0:
        kinds.append(Constraint.OCCUPANCY)
    has_load = work.volume > 0
    all_loaded = bool(has_load.all())
    idx = np.flatnonzero(has_load)
    sub = work if all_loaded else work.take(idx)
    sub_threshold = threshold if all_loaded else threshold[idx]
    if sub.patience_s is None:
        per_kind, metrics_at = _erlang_c_requirement(sub, sub_threshold, kinds, target)
    else:
        per_kind = {k: _gallop_agents(sub, sub_threshold, k, target,
                                      _erlang_a_guess(sub, sub_threshold, k, target))
                    for k in kinds}

        def metrics_at(agents: IntArray) -> StaffingMetrics:
            return _metrics(sub, agents.astype(np.float64), sub_threshold)

    codes = list(Constraint)
    best_n = np.full(len(sub), -1, dtype=np.int64)
    best_f = np.full(len(sub), -1.0)
    best_k = np.full(len(sub), _NO_LOAD, dtype=np.intp)
    for kind, (k_n, k_f) in per_kind.items():
        better = (k_n > best_n) | ((k_n == best_n) & (k_f > best_f))
        best_n = np.where(better, k_n, best_n)
        best_f = np.where(better, k_f, best_f)
        best_k = np.where(better, codes.index(kind), best_k)
    sub_metrics = metrics_at(best_n) if len(sub) else None
    if all_loaded:
        agents, frac, code = best_n, best_f, best_k
        assert sub_metrics is not None
        metrics = sub_metrics
    else:
        agents = np.zeros(n, dtype=np.int64)
        frac = np.zeros(n)
        code = np.full(n, _NO_LOAD, dtype=np.intp)
        agents[idx], frac[idx], code[idx] = best_n, best_f, best_k
        metrics = _metrics(work, agents.astype(np.float64), threshold)
        if sub_metrics is not None:  # the search's own values where there is load
            metrics = _scatter(metrics, idx, sub_metrics)
    return StaffingRequirement(agents=agents, agents_fractional=frac,
                               positions=positions_after_shrinkage(agents, shrinkage),
                               shrinkage=shrinkage, binding=_CODES[code], metrics=metrics)


def _scatter(whole: StaffingMetrics, idx: npt.NDArray[np.intp],
             part: StaffingMetrics) -> StaffingMetrics:
    """``whole`` with the elements ``idx`` replaced by ``part``."""
    fields = {}
    for name in ("agents", "load_erl", "threshold_s", "service_level", "asa_s", "p_wait",
                 "p_abandon", "occupancy", "stable"):
        values = getattr(whole, name).copy()
        values[idx] = getattr(part, name)
        fields[name] = values
    return StaffingMetrics(model=whole.model, **fields)


@dataclass(frozen=True)
class IntervalStaffing:
    """One interval: inputs, headcount and the metrics it achieves (scalar view for the CLI)."""

    model: QueueModel
    volume: float
    interval_min: float
    aht_s: float
    threshold_s: float
    patience_s: float | None
    load_erl: float
    agents: int  # before shrinkage
    agents_fractional: float | None  # None when the headcount was given
    positions: int  # after shrinkage
    shrinkage: float
    binding: Constraint | None  # None when the headcount was given
    service_level: float
    asa_s: float  # +inf when unstable (Erlang C, agents ≤ load)
    p_wait: float
    p_abandon: float
    occupancy: float
    stable: bool

    def to_json_dict(self) -> dict[str, Any]:
        """JSON-safe dict: an infinite ASA becomes null with ``stable`` false."""
        return {
            "model": self.model.value, "volume": self.volume, "interval_min": self.interval_min,
            "aht_s": self.aht_s, "threshold_s": self.threshold_s, "patience_s": self.patience_s,
            "load_erl": self.load_erl, "agents": self.agents,
            "agents_fractional": self.agents_fractional, "positions": self.positions,
            "shrinkage": self.shrinkage,
            "binding": None if self.binding is None else self.binding.value,
            "service_level": self.service_level,
            "asa_s": self.asa_s if math.isfinite(self.asa_s) else None,
            "p_wait": self.p_wait, "p_abandon": self.p_abandon, "occupancy": self.occupancy,
            "stable": self.stable,
        }


def staff_interval(volume: float, aht_s: float, *, interval_min: float = 30.0,
                   threshold_s: float = 20.0, target: StaffingTarget | None = None,
                   agents: int | None = None, shrinkage: float = 0.0,
                   patience_s: float | None = None) -> IntervalStaffing:
    """Staff one interval: the requirement for ``target``, or the metrics of ``agents``."""
    _check_fraction("shrinkage", shrinkage, upper_open=True)
    frac: float | None = None
    binding: Constraint | None = None
    if agents is not None:
        if agents < 0:
            raise ParameterError(f"--agents must be ≥ 0, got {agents!r}",
                                 hint="give the number of agents on the phones")
        m = achieved_metrics(volume, aht_s, agents, interval_min=interval_min,
                             threshold_s=threshold_s, patience_s=patience_s)
        n = int(agents)
    else:
        if target is None:
            raise ParameterError("neither a target nor a headcount was given",
                                 hint="give --sl, --asa-s or --max-abandon, or --agents")
        req = required_agents(volume, aht_s, target, interval_min=interval_min,
                              shrinkage=shrinkage, patience_s=patience_s)
        m, n = req.metrics, int(req.agents[0])
        frac, binding = float(req.agents_fractional[0]), Constraint(str(req.binding[0]))
    return IntervalStaffing(
        model=m.model, volume=float(volume), interval_min=float(interval_min),
        aht_s=float(aht_s), threshold_s=float(m.threshold_s[0]),
        patience_s=None if patience_s is None else float(patience_s),
        load_erl=float(m.load_erl[0]), agents=n, agents_fractional=frac,
        positions=int(positions_after_shrinkage(n, shrinkage)), shrinkage=float(shrinkage),
        binding=binding, service_level=float(m.service_level[0]), asa_s=float(m.asa_s[0]),
        p_wait=float(m.p_wait[0]), p_abandon=float(m.p_abandon[0]),
        occupancy=float(m.occupancy[0]), stable=bool(m.stable[0]))


def _check_scalar(name: str, value: float, *, allow_zero: bool = False) -> None:
    ok = math.isfinite(value) and (value >= 0 if allow_zero else value > 0)
    if not ok:
        bound = "≥ 0" if allow_zero else "> 0"
        raise ParameterError(f"{name} must be a finite number {bound}, got {value!r}",
                             hint=f"check the value given for {name}")


def _check_array(name: str, values: FloatArray, *, allow_zero: bool = False) -> None:
    bad = ~np.isfinite(values) | ((values < 0) if allow_zero else (values <= 0))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        bound = "≥ 0" if allow_zero else "> 0"
        raise ParameterError(f"{name} must be finite and {bound}; interval {i} has "
                             f"{float(values[i])!r} ({int(bad.sum())} bad value(s))",
                             hint=f"fix {name} for that interval")


def _check_fraction(name: str, value: float, *, upper_open: bool) -> None:
    ok = math.isfinite(value) and value >= 0.0 and (value < 1.0 if upper_open else value <= 1.0)
    if not ok:
        raise ParameterError(f"--{name} must be in [0, 1), got {value!r}",
                             hint=f"write 30 % as 0.3 for --{name}")
