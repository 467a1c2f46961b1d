"""Customer lifetime value: BG/NBD for how many purchases, Gamma-Gamma for how much each, fitted by maximum likelihood.

BG/NBD: Fader, Hardie & Lee (2005), "Counting your customers the easy way: an alternative to the Pareto/NBD model",
Marketing Science 24(2), equations (6) log-likelihood, (10) conditional expectation, and P(alive) from the
accompanying note "Computing P(alive) using the BG/NBD model". Gamma-Gamma: Fader & Hardie (2013), "The Gamma-Gamma
model of monetary value". Parameters are optimised in log space (all are positive) with SciPy; the likelihood is
summed over distinct (x, t_x, T) rows with their counts, which is exact and makes a million customers cheap.

Inputs are per customer: x = repeat purchases (purchase days after the first), t_x = time of the last purchase since
the first, T = time from the first purchase to the end of observation, all in one time unit (days here, weeks in the
CDNOW evaluation). Gamma-Gamma reads the mean value of the repeat purchases for customers with x >= 1.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

import numpy as np
import polars as pl
from numpy.typing import NDArray
from scipy.optimize import minimize  # type: ignore[import-untyped]
from scipy.special import betaincinv, expit, gammaln, hyp2f1  # type: ignore[import-untyped]

from rapport.analytics.features import days_between, purchases
from rapport.errors import Invalid

Array = NDArray[np.float64]
QUADRATURE_CHUNK = 20_000
# Parameters are searched within e^-12..e^12: beyond that a Beta or Gamma is a spike and the likelihood is flat, so
# an unbounded search only drifts (a and b in the millions) without improving the fit.
LOG_BOUND = 12.0


@dataclass(frozen=True)
class BgNbd:
    r: float
    alpha: float
    a: float
    b: float
    log_likelihood: float
    customers: int

    def as_dict(self) -> dict[str, float]:
        return asdict(self)


@dataclass(frozen=True)
class GammaGamma:
    p: float
    q: float
    gamma: float
    log_likelihood: float
    customers: int

    @property
    def population_mean(self) -> float:
        """E[M] for a customer we know nothing about (needs q > 1)."""
        return self.p * self.gamma / (self.q - 1.0) if self.q > 1.0 else float("nan")

    def as_dict(self) -> dict[str, float]:
        return asdict(self)


def summary(orders: pl.DataFrame, as_of: datetime) -> pl.DataFrame:
    """(customer_id, x, t_x, T, repeat_value) in days from orders. Purchases on one (UTC) day count as one purchase
    (the convention of the papers); repeat_value is the mean daily spend over the repeat days (null when x = 0)."""
    days = (
        purchases(orders, as_of)
        .group_by("customer_id", day=pl.col("placed_at").dt.date())
        .agg(value=pl.col("total").sum())
    )
    first = pl.col("day").min()
    return (
        days.group_by("customer_id")
        .agg(
            x=(pl.len() - 1).cast(pl.Float64),
            t_x=(pl.col("day").max() - first).dt.total_days().cast(pl.Float64),
            first=first,
            repeat_value=pl.col("value").filter(pl.col("day") != first).mean(),
        )
        .with_columns(T=days_between(as_of, pl.col("first").cast(pl.Datetime("us")).dt.replace_time_zone("UTC")))
        .select("customer_id", "x", "t_x", "T", "repeat_value")
        .sort("customer_id")
    )


def bgnbd_log_likelihood(params: Array, x: Array, t_x: Array, T: Array) -> Array:
    """Per-row log-likelihood (FHL 2005 eq. 6) at params = (r, alpha, a, b)."""
    r, alpha, a, b = params
    a1 = gammaln(r + x) - gammaln(r) + r * np.log(alpha)
    a2 = gammaln(a + b) + gammaln(b + x) - gammaln(b) - gammaln(a + b + x)
    a3 = -(r + x) * np.log(alpha + T)
    with np.errstate(divide="ignore", invalid="ignore"):
        a4 = np.where(x > 0, np.log(a) - np.log(np.maximum(b + x - 1, 1e-300)) - (r + x) * np.log(alpha + t_x), -np.inf)
    result: Array = a1 + a2 + np.logaddexp(a3, a4)
    return result


def fit_bgnbd(x: Array, t_x: Array, T: Array, *, penalty: float = 0.0) -> BgNbd:
    """Maximum-likelihood BG/NBD. `penalty` (L2 on the parameters, as in the lifetimes library) defaults to none."""
    x, t_x, T = (np.asarray(v, dtype=np.float64) for v in (x, t_x, T))
    _check_rfm(x, t_x, T)
    rows, weights = _distinct(np.column_stack([x, t_x, T]))
    ux, ut, uT = rows.T

    def loss(log_params: Array) -> float:
        params = np.exp(log_params)
        ll = bgnbd_log_likelihood(params, ux, ut, uT)
        return float(-(weights * ll).sum() / weights.sum() + penalty * (params**2).sum())

    start = np.log(np.array([1.0, max(float(np.mean(T)), 1e-3), 1.0, 1.0]))
    result = _minimise(loss, start)
    r, alpha, a, b = np.exp(result.x)
    return BgNbd(float(r), float(alpha), float(a), float(b), float(-result.fun * weights.sum()), int(weights.sum()))


def expected_purchases(model: BgNbd, t: float, x: Array, t_x: Array, T: Array) -> Array:
    """E[Y(t) | x, t_x, T]: purchases expected in the next `t` time units (FHL 2005 eq. 10).

    The Gauss hypergeometric term is taken through Euler's transformation,
    (1-z)^(r+x) 2F1(r+x, b+x; a+b+x-1; z) = (1-z)^(a-1) 2F1(a+b-1-r, a-1; a+b+x-1; z),
    which stays finite for customers with hundreds of purchases where the textbook form overflows.
    """
    r, alpha, a, b = model.r, model.alpha, model.a, model.b
    x, t_x, T = (np.asarray(v, dtype=np.float64) for v in (x, t_x, T))
    z = t / (alpha + T + t)
    c = a + b + x - 1.0
    with np.errstate(invalid="ignore", over="ignore"):
        tail = np.power(1.0 - z, a - 1.0) * hyp2f1(a + b - 1.0 - r, a - 1.0, c, z)
        if_alive = c / (a - 1.0) * (1.0 - tail)
    broken = ~np.isfinite(if_alive) | (if_alive < 0)
    if broken.any():
        if_alive = np.where(broken, 0.0, if_alive)
        if_alive[broken] = _expected_if_alive(model, t, x[broken], T[broken])
    result: Array = if_alive * _alive(model, x, t_x, T)
    return result


def _expected_if_alive(model: BgNbd, t: float, x: Array, T: Array, nodes: int = 256) -> Array:
    """E[Y(t) | alive] by integrating over the dropout probability, for fits where 2F1 is out of reach.

    Alive at T, the posterior is lambda ~ Gamma(r+x, alpha+T) and p ~ Beta(a, b+x), independent; a customer with
    (lambda, p) makes (1 - exp(-lambda p t)) / p purchases in t on average (FHL 2005 eq. 2), which averages over
    lambda to (1 - ((alpha+T)/(alpha+T+p t))^(r+x)) / p. Averaging that over p at `nodes` equal-probability quantiles
    is accurate however concentrated the Beta is (a and b in the millions, where scipy's 2F1 returns NaN).
    """
    u = (np.arange(nodes) + 0.5) / nodes
    # Quantiles depend on x only, and customers share few distinct x: compute them once per x.
    distinct, which = np.unique(x, return_inverse=True)
    quantiles = betaincinv(model.a, (model.b + distinct)[:, None], u[None, :])
    result: Array = np.empty(len(x), dtype=np.float64)
    for start in range(0, len(x), QUADRATURE_CHUNK):
        rows = slice(start, start + QUADRATURE_CHUNK)
        p = quantiles[which[rows]]
        shape, scale = (model.r + x[rows])[:, None], (model.alpha + T[rows])[:, None]
        # -expm1(-k log1p(y)) / p keeps its limit k t / scale as p -> 0.
        per_p = -np.expm1(-shape * np.log1p(p * t / scale)) / np.maximum(p, 1e-300)
        result[rows] = per_p.mean(axis=1)
    return result


def probability_alive(model: BgNbd, x: Array, t_x: Array, T: Array) -> Array:
    """P(the customer is still active | x, t_x, T). Customers without repeat purchases are alive by the model's
    assumption (dropout happens only right after a purchase)."""
    return _alive(model, *(np.asarray(v, dtype=np.float64) for v in (x, t_x, T)))


def probability_no_purchase(model: BgNbd, t: float, x: Array, t_x: Array, T: Array) -> Array:
    """P(no purchase in the next `t` | history): dead, or alive and silent for `t` (Poisson with the posterior rate)."""
    x, t_x, T = (np.asarray(v, dtype=np.float64) for v in (x, t_x, T))
    alive = _alive(model, x, t_x, T)
    silent = np.power((model.alpha + T) / (model.alpha + T + t), model.r + x)
    result: Array = 1.0 - alive + alive * silent
    return result


def unconditional_expected_purchases(model: BgNbd, t: Array) -> Array:
    """E[X(t)] for a new customer over `t` since their first purchase (FHL 2005 eq. 7)."""
    r, alpha, a, b = model.r, model.alpha, model.a, model.b
    t = np.asarray(t, dtype=np.float64)
    hyp = hyp2f1(r, b, a + b - 1.0, t / (alpha + t))
    result: Array = (a + b - 1.0) / (a - 1.0) * (1.0 - np.power(alpha / (alpha + t), r) * hyp)
    return result


def gamma_gamma_log_likelihood(params: Array, x: Array, m: Array) -> Array:
    """Per-customer log-likelihood of the mean repeat value m over x repeat purchases (Fader & Hardie 2013, eq. 3)."""
    p, q, g = params
    result: Array = (
        gammaln(p * x + q)
        - gammaln(p * x)
        - gammaln(q)
        + q * np.log(g)
        + (p * x - 1.0) * np.log(m)
        + p * x * np.log(x)
        - (p * x + q) * np.log(g + m * x)
    )
    return result


def fit_gamma_gamma(x: Array, m: Array, *, penalty: float = 0.0) -> GammaGamma:
    """Maximum-likelihood Gamma-Gamma on customers with x >= 1 repeat purchases and a positive mean value."""
    x, m = np.asarray(x, dtype=np.float64), np.asarray(m, dtype=np.float64)
    keep = (x > 0) & np.isfinite(m) & (m > 0)
    if keep.sum() < 10:
        raise Invalid("Gamma-Gamma needs at least 10 customers with repeat purchases")
    rows, weights = _distinct(np.column_stack([x[keep], m[keep]]))
    ux, um = rows.T

    def loss(log_params: Array) -> float:
        params = np.exp(log_params)
        ll = gamma_gamma_log_likelihood(params, ux, um)
        return float(-(weights * ll).sum() / weights.sum() + penalty * (params**2).sum())

    start = np.log(np.array([1.0, 2.0, max(float(np.mean(um)), 1e-3)]))
    result = _minimise(loss, start)
    p, q, g = np.exp(result.x)
    return GammaGamma(float(p), float(q), float(g), float(-result.fun * weights.sum()), int(weights.sum()))


def expected_value(model: GammaGamma, x: Array, m: Array) -> Array:
    """E[M | x, m]: a weighted mean of the population mean and the customer's own mean repeat value."""
    x, m = np.asarray(x, dtype=np.float64), np.asarray(m, dtype=np.float64)
    p, q, g = model.p, model.q, model.gamma
    m = np.where(np.isfinite(m), m, 0.0)
    own = np.where(x > 0, (p * (g + x * m)) / (p * x + q - 1.0), model.population_mean)
    result: Array = own
    return result


def lifetime_value(
    purchases_model: BgNbd,
    value_model: GammaGamma,
    horizon: float,
    x: Array,
    t_x: Array,
    T: Array,
    m: Array,
    *,
    step: float = 30.0,
    discount_per_step: float = 0.0,
) -> Array:
    """Expected value over `horizon`: expected purchases in each `step` times the expected value of a purchase,
    discounted by `discount_per_step` per step (0 = undiscounted)."""
    value = expected_value(value_model, x, m)
    total = np.zeros_like(value)
    previous = np.zeros_like(value)
    edges = np.append(np.arange(step, horizon, step), horizon)
    for k, edge in enumerate(edges, start=1):
        cumulative = expected_purchases(purchases_model, float(edge), x, t_x, T)
        total += (cumulative - previous) * value / (1.0 + discount_per_step) ** k
        previous = cumulative
    return total


def score(
    rfm: pl.DataFrame,
    purchases_model: BgNbd,
    value_model: GammaGamma | None,
    *,
    horizon_days: float,
    churn_days: float,
    annual_discount: float = 0.0,
) -> pl.DataFrame:
    """(customer_id, p_alive, expected_purchases, expected_value, clv, p_no_purchase) from `summary()` rows."""
    x, t_x, T = (rfm[c].to_numpy().astype(np.float64) for c in ("x", "t_x", "T"))
    m = rfm["repeat_value"].fill_null(float("nan")).to_numpy().astype(np.float64)
    columns: dict[str, object] = {
        "customer_id": rfm["customer_id"],
        "p_alive": probability_alive(purchases_model, x, t_x, T),
        "expected_purchases": expected_purchases(purchases_model, horizon_days, x, t_x, T),
        "p_no_purchase": probability_no_purchase(purchases_model, churn_days, x, t_x, T),
    }
    if value_model is not None:
        # Quarterly steps: discounting per month changes the value by well under 1 % and costs three times as much.
        quarter = 365.0 / 4
        per_quarter = (1.0 + annual_discount) ** 0.25 - 1.0
        columns["expected_value"] = expected_value(value_model, x, m)
        columns["clv"] = lifetime_value(
            purchases_model, value_model, horizon_days, x, t_x, T, m, step=quarter, discount_per_step=per_quarter
        )
    return pl.DataFrame(columns)


def _alive(model: BgNbd, x: Array, t_x: Array, T: Array) -> Array:
    with np.errstate(divide="ignore"):
        log_odds_dead = (
            np.log(model.a)
            - np.log(np.maximum(model.b + x - 1.0, 1e-300))
            + (model.r + x) * (np.log(model.alpha + T) - np.log(model.alpha + t_x))
        )
    result: Array = np.where(x > 0, expit(-log_odds_dead), 1.0)
    return result


def _distinct(rows: Array) -> tuple[Array, Array]:
    unique, counts = np.unique(rows, axis=0, return_counts=True)
    return unique, counts.astype(np.float64)


def _check_rfm(x: Array, t_x: Array, T: Array) -> None:
    if x.size == 0:
        raise Invalid("BG/NBD needs at least one customer")
    if np.any(x < 0) or np.any(t_x < 0) or np.any(t_x - 1e-9 > T) or np.any((x > 0) & (t_x <= 0)):
        raise Invalid("BG/NBD input must satisfy x >= 0, 0 <= t_x <= T, and t_x > 0 when x > 0")


def _minimise(loss: Callable[[Array], float], start: Array) -> Any:
    # Nelder-Mead finds the basin from a poor start; L-BFGS-B then polishes to a tight optimum.
    bounds = [(-LOG_BOUND, LOG_BOUND)] * len(start)
    rough = minimize(
        loss, start, method="Nelder-Mead", bounds=bounds, options={"maxiter": 4000, "xatol": 1e-6, "fatol": 1e-10}
    )
    fine = minimize(
        loss, rough.x, method="L-BFGS-B", bounds=bounds, options={"maxiter": 1000, "ftol": 1e-14, "gtol": 1e-9}
    )
    return fine if fine.fun <= rough.fun else rough
