"""One analytics run over frames: features → RFM → learned segments → CLV → churn → interests → cohorts → summaries.

Pure: frames in, a RunResult out, no database. The service feeds it what `load` read and stores what comes out; the
benchmark feeds it synthetic frames. A step that cannot run on the data (too few buyers for k-means, no repeat
buyers for Gamma-Gamma, one class only for churn) is skipped with a note, and the rest still runs.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np
import polars as pl
from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

from rapport.analytics import churn, clv, cohorts, features, interests, rfm, segments, summary
from rapport.analytics.frames import Frames
from rapport.analytics.schemas import AnalyticsSettings
from rapport.errors import Invalid

log = logging.getLogger(__name__)
MIN_BUYERS_FOR_CLV = 20
# scikit-learn and LightGBM run on one OpenMP thread. Their workers spin-wait at every barrier, and on a busy
# machine (a web server, a worker, other jobs on the same two cores) a descheduled worker stalls the rest: measured
# 10-100x slower k-means and LightGBM fits with two threads under load. Polars keeps its own work-stealing pool.
THREADS = 1
CLV_FIT_ROWS = 50_000
CHURN_TRAIN_ROWS = 50_000


@dataclass
class RunResult:
    as_of: datetime
    settings: AnalyticsSettings
    features: pl.DataFrame
    rfm: pl.DataFrame
    rfm_profiles: list[dict[str, Any]] = field(default_factory=list)
    learned: segments.Learned | None = None
    bgnbd: clv.BgNbd | None = None
    gamma_gamma: clv.GammaGamma | None = None
    clv_scores: pl.DataFrame | None = None
    churn_scores: pl.DataFrame | None = None
    churn_model: churn.ChurnModel | None = None
    churn_method: str = "none"
    is_new_churn_model: bool = False
    top_interests: dict[int, dict[str, list[dict[str, Any]]]] = field(default_factory=dict)
    retention: pl.DataFrame | None = None
    rfm_trend: pl.DataFrame | None = None
    learned_trend: pl.DataFrame | None = None
    summaries: dict[int, tuple[str, list[dict[str, Any]]]] = field(default_factory=dict)
    timings_s: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def metrics(self) -> dict[str, Any]:
        """What a run reports about itself: counts, fitted parameters, model quality, timings and skipped steps."""
        buyers = int(self.features.filter(pl.col("orders") > 0).height)
        return {
            "customers": self.features.height,
            "buyers": buyers,
            "rfm_segments": {p["key"]: p["customers"] for p in self.rfm_profiles},
            "learned_k": self.learned.k if self.learned else None,
            "silhouettes": {str(k): round(v, 4) for k, v in self.learned.silhouettes.items()} if self.learned else {},
            "bgnbd": self.bgnbd.as_dict() if self.bgnbd else None,
            "gamma_gamma": self.gamma_gamma.as_dict() if self.gamma_gamma else None,
            "churn_method": self.churn_method,
            "churn_model_metrics": self.churn_model.metrics if self.churn_model else None,
            "timings_s": {k: round(v, 3) for k, v in self.timings_s.items()},
            "notes": self.notes,
        }

    def insights(self, churn_model_label: str | None = None) -> list[dict[str, Any]]:
        """One dict per customer, ready to store: the features as JSON plus every score, reason and summary."""
        table = self.features.select("customer_id")
        for part in (self.rfm, self.learned.assignments if self.learned else None, self.clv_scores, self.churn_scores):
            if part is not None:
                table = table.join(part, on="customer_id", how="left")
        feature_rows = {row["customer_id"]: row for row in self.features.iter_rows(named=True)}
        rows = []
        for row in table.iter_rows(named=True):
            cid = row["customer_id"]
            text, facts = self.summaries.get(cid, ("", []))
            rows.append(
                {
                    "customer_id": cid,
                    "features": jsonable(feature_rows[cid]),
                    "rfm_segment": row["rfm_segment"],
                    "rfm_score": row.get("rfm_score"),
                    "learned_segment": row.get("learned_segment"),
                    "clv": _number(row.get("clv")),
                    "expected_purchases": _number(row.get("expected_purchases")),
                    "expected_value": _number(row.get("expected_value")),
                    "p_alive": _number(row.get("p_alive")),
                    "churn_risk": _number(row.get("churn_risk")),
                    "churn_reasons": row.get("churn_reasons") or [],
                    "churn_model": churn_model_label if row.get("churn_risk") is not None else None,
                    "interests": self.top_interests.get(cid, {}),
                    "summary": text,
                    "facts": facts,
                }
            )
        return rows


def compute(
    frames: Frames,
    as_of: datetime,
    settings: AnalyticsSettings | None = None,
    *,
    churn_model: churn.ChurnModel | None = None,
    run_id: int | None = None,
    describer: segments.Describer | None = None,
    writer: summary.SummaryWriter | None = None,
    with_interests: bool = True,
    with_summaries: bool = True,
    seed: int = 0,
) -> RunResult:
    """The whole run. Pass `churn_model` to score with it; without one a new model is trained on the snapshot
    `churn_days` before `as_of`."""
    settings = settings or AnalyticsSettings()
    threads = THREADS
    with threadpool_limits(limits=threads):
        return _compute(
            frames,
            as_of,
            settings,
            churn_model,
            run_id,
            describer,
            writer,
            with_interests,
            with_summaries,
            seed,
            threads,
        )


def _compute(
    frames: Frames,
    as_of: datetime,
    settings: AnalyticsSettings,
    churn_model: churn.ChurnModel | None,
    run_id: int | None,
    describer: segments.Describer | None,
    writer: summary.SummaryWriter | None,
    with_interests: bool,
    with_summaries: bool,
    seed: int,
    threads: int,
) -> RunResult:
    timings: dict[str, float] = {}
    with _timed(timings, "features"):
        mix = features.category_mix(frames, as_of)
        table = features.behaviour(frames, as_of, mix=mix)
    with _timed(timings, "rfm"):
        scores = rfm.scores(table)
        rfm_profiles = _rfm_profiles(table, scores)
    result = RunResult(as_of=as_of, settings=settings, features=table, rfm=scores, rfm_profiles=rfm_profiles)
    result.timings_s = timings
    with _timed(timings, "segments"):
        k_range = range(settings.k_min, max(settings.k_min, settings.k_max) + 1)
        result.learned = segments.learn(table, k_range=k_range, seed=seed, describer=describer, category_mix=mix)
        if result.learned is None:
            result.notes.append("learned segments skipped: too few customers with purchases to cluster")
    with _timed(timings, "clv"):
        _lifetime_value(result, frames, as_of, settings, seed)
    with _timed(timings, "churn"):
        _churn(result, frames, as_of, settings, churn_model, seed, threads)
    if with_interests:
        with _timed(timings, "interests"):
            half_life = settings.interest_half_life_days
            bought = interests.from_purchases(frames, as_of, half_life_days=half_life)
            written = interests.from_text(frames, as_of, half_life_days=half_life)
            result.top_interests = interests.top(interests.combine(bought, written), frames.products)
    with _timed(timings, "cohorts"):
        result.retention = cohorts.retention(frames.orders, as_of)
        result.rfm_trend = cohorts.by_segment(frames.orders, scores, as_of, column="rfm_segment")
        if result.learned is not None:
            result.learned_trend = cohorts.by_segment(
                frames.orders, result.learned.assignments, as_of, column="learned_segment"
            )
    if with_summaries:
        with _timed(timings, "summaries"):
            _summaries(result, frames, run_id, writer)
    return result


def _rfm_profiles(table: pl.DataFrame, scores: pl.DataFrame) -> list[dict[str, Any]]:
    profiles = []
    for row in rfm.profile(table, scores).iter_rows(named=True):
        segment = rfm.SEGMENTS[row["rfm_segment"]]
        profiles.append(
            {
                "key": segment.key,
                "name": segment.name,
                "description": segment.description,
                "action": segment.action,
                **{k: (None if v is None else round(float(v), 4)) for k, v in row.items() if k != "rfm_segment"},
                "customers": int(row["customers"]),
            }
        )
    return profiles


def _lifetime_value(result: RunResult, frames: Frames, as_of: datetime, settings: AnalyticsSettings, seed: int) -> None:
    history = clv.summary(frames.orders, as_of)
    if history.height < MIN_BUYERS_FOR_CLV:
        result.notes.append(f"lifetime value skipped: fewer than {MIN_BUYERS_FOR_CLV} customers with purchases")
        return
    fit_on = history.sample(n=CLV_FIT_ROWS, seed=seed) if history.height > CLV_FIT_ROWS else history
    try:
        result.bgnbd = clv.fit_bgnbd(*(fit_on[c].to_numpy() for c in ("x", "t_x", "T")))
    except (Invalid, ValueError, FloatingPointError) as exc:
        result.notes.append(f"lifetime value skipped: BG/NBD did not fit ({exc})")
        return
    fitted = result.bgnbd
    if not all(math.isfinite(v) and v > 0 for v in (fitted.r, fitted.alpha, fitted.a, fitted.b)):
        result.notes.append("lifetime value skipped: BG/NBD fit is degenerate")
        result.bgnbd = None
        return
    try:
        result.gamma_gamma = clv.fit_gamma_gamma(fit_on["x"].to_numpy(), fit_on["repeat_value"].to_numpy())
        if result.gamma_gamma.q <= 1:
            result.notes.append("purchase value skipped: Gamma-Gamma q <= 1 has no finite mean")
            result.gamma_gamma = None
    except Invalid as exc:
        result.notes.append(f"purchase value skipped: {exc.message}")
    result.clv_scores = clv.score(
        history,
        result.bgnbd,
        result.gamma_gamma,
        horizon_days=settings.horizon_days,
        churn_days=settings.churn_days,
        annual_discount=settings.annual_discount,
    )


def _churn(
    result: RunResult,
    frames: Frames,
    as_of: datetime,
    settings: AnalyticsSettings,
    model: churn.ChurnModel | None,
    seed: int,
    threads: int,
) -> None:
    if model is not None and list(model.features) != list(churn.FEATURES):
        result.notes.append("stored churn model reads other features; training a new one")
        model = None
    if model is None:
        training = churn.training_set(frames, as_of, settings.churn_days, sample=CHURN_TRAIN_ROWS, seed=seed)
        if churn.trainable(training["churned"].to_numpy()):
            model = churn.train(training, {"num_threads": threads})
            model.params["churn_days"] = settings.churn_days
            model.metrics["snapshot"] = (as_of - timedelta(days=settings.churn_days)).date().isoformat()
            result.is_new_churn_model = True
        else:
            result.notes.append(
                f"churn model not trained: the snapshot {settings.churn_days} days back has too few customers "
                "or only one outcome; risk comes from BG/NBD (chance of no purchase in churn_days)"
            )
    if model is not None:
        result.churn_model = model
        result.churn_method = "model"
        result.churn_scores = churn.score(model, result.features)
        return
    if result.clv_scores is not None:
        buyers = result.features.filter(pl.col("orders") > 0).select("customer_id", *churn.FEATURES)
        risk = buyers.join(result.clv_scores.select("customer_id", "p_no_purchase"), on="customer_id", how="left")
        result.churn_method = "bgnbd"
        reasons = churn.reasons_frame(risk["customer_id"], churn.fallback_reasons(risk))
        result.churn_scores = risk.select("customer_id", churn_risk="p_no_purchase").join(
            reasons, on="customer_id", how="left"
        )


def _summaries(result: RunResult, frames: Frames, run_id: int | None, writer: summary.SummaryWriter | None) -> None:
    # Rows as plain dicts grouped by customer: thousands of tiny frames would cost more than the facts themselves.
    rows = {
        name: _rows_by_customer(frame)
        for name, frame in (
            ("orders", frames.orders),
            ("tickets", frames.tickets),
            ("interactions", frames.interactions),
        )
    }
    people = {r["customer_id"]: r for r in frames.customers.drop("created_at").iter_rows(named=True)}
    label = {p["key"]: p["name"] for p in result.rfm_profiles}
    for insight in result.insights():
        cid = insight["customer_id"]
        customer = people.get(cid, {"customer_id": cid, "full_name": None, "language": None})
        insight["rfm_segment_name"] = label.get(insight["rfm_segment"], insight["rfm_segment"])
        insight["horizon_days"] = result.settings.horizon_days
        facts = summary.collect_facts(
            customer,
            insight,
            rows["orders"].get(cid, []),
            rows["tickets"].get(cid, []),
            rows["interactions"].get(cid, []),
            as_of=result.as_of,
            run_id=run_id,
        )
        result.summaries[cid] = (summary.write_summary(customer, facts, writer), [f.as_dict() for f in facts])


def _rows_by_customer(frame: pl.DataFrame) -> dict[int, list[dict[str, Any]]]:
    grouped: dict[int, list[dict[str, Any]]] = {}
    for row in frame.drop("body", strict=False).iter_rows(named=True):
        grouped.setdefault(row["customer_id"], []).append(row)
    return grouped


def jsonable(row: dict[str, Any]) -> dict[str, Any]:
    """A row with datetimes as ISO text and NaN/inf as null, rounded for storage."""
    out: dict[str, Any] = {}
    for key, value in row.items():
        if isinstance(value, datetime | date):
            out[key] = value.isoformat()
        elif isinstance(value, float):
            out[key] = round(value, 4) if math.isfinite(value) else None
        elif isinstance(value, np.generic):
            out[key] = value.item()
        else:
            out[key] = value
    return out


def _number(value: Any) -> float | None:
    if value is None:
        return None
    number = float(value)
    return number if math.isfinite(number) else None


@contextmanager
def _timed(timings: dict[str, float], step: str) -> Iterator[None]:
    start = time.perf_counter()
    try:
        yield
    finally:
        timings[step] = timings.get(step, 0.0) + time.perf_counter() - start
        log.debug("analytics step %s took %.2f s", step, timings[step])
