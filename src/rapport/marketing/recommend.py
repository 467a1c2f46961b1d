"""Product recommendations per customer, with a reason each: collaborative filtering over order lines, content
similarity for new products and customers, popularity last; never what the customer owns or what cannot be sold.

Fitting (`fit`, the job "marketing.fit_recommender", `rapport recommend fit`) reads every paid order line, builds the
customer × product matrix (weight: 1 per product bought, however often; binary weights won on validation, see
docs/RECOMMENDATIONS.md) and stores the model as files under data_dir/recommend/ (no tables). The algorithm is ALS
(the `implicit` library) once there are enough buyers for a factorisation to mean anything, item-item cosine below
that. `recommend` reads the stored model and scores the customer's current purchases (folded in, so purchases after
the fit count), then fills from products like theirs (TF-IDF over name, category, brand and description: products
added after the fit are reached this way) and finally from the best sellers, spread over categories.
"""

from __future__ import annotations

import logging
import shutil
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

import numpy as np
import scipy.sparse as sp  # type: ignore[import-untyped]
from sqlalchemy import Connection, Engine, func, select
from sqlalchemy.orm import Session

from rapport.customers import service as customer_service
from rapport.customers.models import Customer
from rapport.kit.clock import utcnow
from rapport.kit.schema import Schema
from rapport.marketing import recommenders
from rapport.privacy.access import Action, Principal, require, system_principal
from rapport.sales.models import Order, OrderLine, Product
from rapport.settings import Settings
from rapport.store.engine import make_sessionmaker, session_scope

log = logging.getLogger(__name__)
FOLDER = "recommend"
ALS_MIN_BUYERS = 200  # below this, co-purchase counts beat a factorisation fitted on too few rows
ALS_PARAMS = {"factors": 32, "regularization": 0.01, "alpha": 1.0, "iterations": 15}  # chosen on validation
KNN_PARAMS = {"k": 20, "shrink": 10.0, "binary": True}
NEW_PRODUCT_SLOTS = 0.2  # share of the list products bought after the fit (content matches) may take
MIN_CONTENT_SIMILARITY = 0.25
_LOADED: dict[str, tuple[float, FittedModel]] = {}


class Recommendation(Schema):
    product_id: int
    sku: str
    name: str
    name_zh: str | None = None
    category: str
    price: Decimal
    currency: str
    score: float
    source: Literal["collaborative", "content", "popular"]
    reason: str
    because_product_id: int | None = None


class RecommendationsRead(Schema):
    customer_id: int
    model: str | None  # "als fitted 2026-11-28T02:30Z"; None before the first fit
    items: list[Recommendation]


class FitReport(Schema):
    model: str
    params: dict[str, Any]
    customers: int
    products: int
    purchases: int
    fitted_at: datetime
    path: str
    seconds: float


@dataclass
class FittedModel:
    model: recommenders.Recommender
    product_ids: np.ndarray  # column → product id
    co_buyers: sp.csr_matrix  # product × product: customers who bought both (for the reasons)
    popularity: np.ndarray  # buyers per column
    meta: dict[str, Any]

    @property
    def column_of(self) -> dict[int, int]:
        return {int(pid): i for i, pid in enumerate(self.product_ids.tolist())}

    @property
    def label(self) -> str:
        return f"{self.meta.get('model')} fitted {self.meta.get('fitted_at', '?')}"


# -- fitting -----------------------------------------------------------------------------------------------------------
def purchases(session: Session) -> list[tuple[int, int]]:
    """(customer_id, product_id) for every product each live customer bought in an order that was not cancelled."""
    stmt = (
        select(Order.customer_id, OrderLine.product_id)
        .join(OrderLine, OrderLine.order_id == Order.id)
        .join(Customer, Customer.id == Order.customer_id)
        .where(Order.status.not_in(("cancelled", "refunded")), Customer.deleted_at.is_(None), OrderLine.quantity > 0)
        .distinct()
    )
    return [(int(c), int(p)) for c, p in session.execute(stmt)]


def fit(session: Session, data_dir: Path, *, algorithm: str | None = None) -> FitReport:
    """Fit on the database's purchases and store the model under data_dir/recommend/ (replacing the last one)."""
    started = utcnow()
    pairs = purchases(session)
    customers = sorted({c for c, _ in pairs})
    products = sorted({p for _, p in pairs})
    rows = {c: i for i, c in enumerate(customers)}
    cols = {p: i for i, p in enumerate(products)}
    matrix = sp.csr_matrix(
        (np.ones(len(pairs), dtype=np.float32), ([rows[c] for c, _ in pairs], [cols[p] for _, p in pairs])),
        shape=(len(customers), len(products)),
        dtype=np.float32,
    )
    name = algorithm or ("als" if len(customers) >= ALS_MIN_BUYERS else "item_knn")
    params = dict(ALS_PARAMS) if name == "als" else dict(KNN_PARAMS) if name == "item_knn" else {}
    model = recommenders.build(name, params)
    if len(pairs):
        model.fit(matrix)
    co_buyers = (matrix.T @ matrix).tocsr()
    co_buyers.setdiag(0)
    co_buyers.eliminate_zeros()
    fitted_at = utcnow()
    meta = {
        "fitted_at": fitted_at.isoformat(timespec="seconds"),
        "customers": len(customers),
        "products": len(products),
        "purchases": len(pairs),
    }
    target = data_dir / FOLDER / "current"
    staging = data_dir / FOLDER / f".staging-{fitted_at.timestamp():.0f}"
    staging.mkdir(parents=True, exist_ok=True)
    recommenders.save(model, staging, meta)
    np.save(staging / "product_ids.npy", np.asarray(products, dtype=np.int64))
    np.save(staging / "popularity.npy", np.asarray(matrix.sum(axis=0), dtype=np.float32).ravel())
    sp.save_npz(staging / "co_buyers.npz", co_buyers)
    # Swap folders so a reader never sees half a model.
    old = data_dir / FOLDER / ".old"
    shutil.rmtree(old, ignore_errors=True)
    if target.exists():
        target.rename(old)
    staging.rename(target)
    shutil.rmtree(old, ignore_errors=True)
    _LOADED.pop(str(target), None)
    log.info("recommender %s fitted on %d purchases", name, len(pairs))
    return FitReport(
        model=name,
        params=params,
        customers=len(customers),
        products=len(products),
        purchases=len(pairs),
        fitted_at=fitted_at,
        path=str(target),
        seconds=(fitted_at - started).total_seconds(),
    )


def fit_job(bind: Engine | Connection, settings: Settings, *, algorithm: str | None = None) -> dict[str, Any]:
    """marketing.fit_recommender: refit from the database (nightly, and on demand)."""
    with session_scope(make_sessionmaker(bind)) as session:
        report = fit(session, settings.data_dir, algorithm=algorithm)
    return report.model_dump(mode="json")


def load(data_dir: Path) -> FittedModel | None:
    """The stored model (kept in memory until its files change), or None before the first fit."""
    folder = data_dir / FOLDER / "current"
    meta_file = folder / "meta.json"
    if not meta_file.is_file():
        return None
    stamp = meta_file.stat().st_mtime
    cached = _LOADED.get(str(folder))
    if cached is not None and cached[0] == stamp:
        return cached[1]
    model, meta = recommenders.load(folder)
    fitted = FittedModel(
        model=model,
        product_ids=np.load(folder / "product_ids.npy"),
        co_buyers=sp.load_npz(folder / "co_buyers.npz").tocsr(),
        popularity=np.load(folder / "popularity.npy"),
        meta=meta,
    )
    _LOADED[str(folder)] = (stamp, fitted)
    return fitted


# -- recommending ------------------------------------------------------------------------------------------------------
def recommend(
    session: Session,
    customer_id: int,
    *,
    n: int = 10,
    principal: Principal | None = None,
    data_dir: Path | None = None,
) -> list[Recommendation]:
    """Top-n products for a customer the principal may read (audited as a read of the customer); the system when
    no principal is given. Without `data_dir` (or before a fit) only content and popularity answer."""
    principal = principal or system_principal("marketing")
    customer = customer_service.get(session, principal, customer_id)
    return recommend_for(session, principal, customer, n=n, data_dir=data_dir)


def recommend_for(
    session: Session, principal: Principal, customer: Customer, *, n: int = 10, data_dir: Path | None = None
) -> list[Recommendation]:
    """`recommend` for a customer already read (and audited) by the caller, e.g. the customer page."""
    require(principal, "products", Action.read)
    n = max(1, min(n, 100))
    fitted = load(data_dir) if data_dir is not None else None
    owned = set(
        session.scalars(
            select(OrderLine.product_id)
            .join(Order, Order.id == OrderLine.order_id)
            .where(Order.customer_id == customer.id, Order.status != "cancelled")
            .distinct()
        )
    )
    catalogue = {
        p.id: p
        for p in session.scalars(
            select(Product).where(Product.deleted_at.is_(None), Product.stock > 0, Product.id.not_in(owned or {-1}))
        )
    }
    names = _names(session, owned)
    picked: list[Recommendation] = []
    if fitted is not None and owned:
        picked = _collaborative(fitted, owned, catalogue, names, n)
    if owned:
        # Products the model has not seen (new since the fit, or every one before a fit) compete on content for a
        # share of the list; then anything like what they bought fills what collaborative filtering left open.
        unseen = set(catalogue) - set(fitted.column_of if fitted is not None else ())
        slots = n if fitted is None else max(round(n * NEW_PRODUCT_SLOTS), n - len(picked))
        new = _content(session, owned, catalogue, unseen, slots)
        picked = picked[: n - len(new)] + new
        if len(picked) < n:
            rest = set(catalogue) - {r.product_id for r in picked}
            picked += _content(session, owned, catalogue, rest, n - len(picked))
    if len(picked) < n:
        seen = {r.product_id for r in picked}
        picked += _popular(session, fitted, {k: v for k, v in catalogue.items() if k not in seen}, n - len(picked))
    return picked[:n]


def recommendations_read(
    session: Session, customer_id: int, *, n: int, principal: Principal, data_dir: Path | None
) -> RecommendationsRead:
    items = recommend(session, customer_id, n=n, principal=principal, data_dir=data_dir)
    fitted = load(data_dir) if data_dir is not None else None
    return RecommendationsRead(customer_id=customer_id, model=fitted.label if fitted else None, items=items)


def _names(session: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return {pid: name for pid, name in session.execute(select(Product.id, Product.name).where(Product.id.in_(ids)))}


def _item(product: Product, score: float, source: str, reason: str, because: int | None = None) -> Recommendation:
    return Recommendation(
        product_id=product.id,
        sku=product.sku,
        name=product.name,
        name_zh=product.name_zh,
        category=product.category,
        price=product.price,
        currency=product.currency,
        score=round(float(score), 6),
        source=source,
        reason=reason,
        because_product_id=because,
    )


def _collaborative(
    fitted: FittedModel, owned: set[int], catalogue: dict[int, Product], names: dict[int, str], n: int
) -> list[Recommendation]:
    columns = fitted.column_of
    mine = [columns[p] for p in owned if p in columns]
    if not mine:
        return []
    row = sp.csr_matrix(
        (np.ones(len(mine), dtype=np.float32), ([0] * len(mine), mine)), shape=(1, len(columns)), dtype=np.float32
    )
    scores = fitted.model.scores(row)[0]
    available = np.array([int(pid) in catalogue for pid in fitted.product_ids.tolist()], dtype=bool)
    scores = np.where(available, scores, -np.inf)
    out = []
    for col in recommenders.top_n(scores, mine, n).tolist():
        if not np.isfinite(scores[col]) or scores[col] <= 0:
            break
        product = catalogue[int(fitted.product_ids[col])]
        co = np.asarray(fitted.co_buyers[col, mine].todense()).ravel()
        if co.size and co.max() > 0:
            source_col = mine[int(co.argmax())]
            because = int(fitted.product_ids[source_col])
            buyers = int(co.max())
            reason = (
                f"You bought {names.get(because, '#' + str(because))}; {buyers} customer"
                f"{'s' if buyers != 1 else ''} who bought it also bought {product.name}."
            )
        else:
            because = None
            reason = f"Customers whose purchases are like yours bought {product.name}."
        out.append(_item(product, float(scores[col]), "collaborative", reason, because))
    return out


def _text(product: Product) -> str:
    return " ".join(
        part for part in (product.name, product.name_zh, product.category, product.brand, product.description) if part
    )


def _content(
    session: Session,
    owned: set[int],
    catalogue: dict[int, Product],
    candidates: set[int],
    slots: int,
) -> list[Recommendation]:
    """Candidates most like what the customer bought, by TF-IDF of their texts (character n-grams: English and
    Chinese alike)."""
    if slots <= 0 or not candidates:
        return []
    from sklearn.feature_extraction.text import TfidfVectorizer  # type: ignore[import-untyped]  # late: rarely needed

    mine = list(session.scalars(select(Product).where(Product.id.in_(owned))))
    pool = [catalogue[c] for c in sorted(candidates)]
    vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4), sublinear_tf=True)
    matrix = vectorizer.fit_transform([_text(p) for p in [*mine, *pool]])
    sims = (matrix[len(mine) :] @ matrix[: len(mine)].T).toarray()
    best_owned = sims.argmax(axis=1)
    best = sims.max(axis=1)
    out = []
    for i in np.argsort(-best, kind="stable")[:slots].tolist():
        if best[i] < MIN_CONTENT_SIMILARITY:
            break
        source = mine[int(best_owned[i])]
        product = pool[i]
        out.append(_item(product, float(best[i]), "content", f"Similar to {source.name}, which you bought.", source.id))
    return out


def _popular(
    session: Session, fitted: FittedModel | None, catalogue: dict[int, Product], n: int
) -> list[Recommendation]:
    """Best sellers, taken by turns from each category so one category does not fill the list."""
    if n <= 0 or not catalogue:
        return []
    if fitted is not None:
        buyers = {
            int(pid): float(c) for pid, c in zip(fitted.product_ids.tolist(), fitted.popularity.tolist(), strict=True)
        }
    else:
        stmt = (
            select(OrderLine.product_id, func.count(func.distinct(Order.customer_id)))
            .join(Order, Order.id == OrderLine.order_id)
            .where(Order.status != "cancelled", OrderLine.product_id.in_(catalogue))
            .group_by(OrderLine.product_id)
        )
        buyers = {int(p): float(c) for p, c in session.execute(stmt)}
    by_category: dict[str, list[Product]] = {}
    for product in sorted(catalogue.values(), key=lambda p: (-buyers.get(p.id, 0.0), p.id)):
        by_category.setdefault(product.category, []).append(product)
    order = sorted(by_category, key=lambda c: -buyers.get(by_category[c][0].id, 0.0))
    out: list[Recommendation] = []
    while len(out) < n and any(by_category.values()):
        for category in order:
            if by_category[category] and len(out) < n:
                product = by_category[category].pop(0)
                count = int(buyers.get(product.id, 0))
                reason = (
                    f"Popular in {category}: {count} customer{'s' if count != 1 else ''} bought it."
                    if count
                    else f"New in {category}."
                )
                out.append(_item(product, float(count), "popular", reason))
    return out
