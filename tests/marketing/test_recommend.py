"""Recommendations on a small real shop: collaborative reasons, nothing owned, out of stock or deleted, content for
new products, popularity for new customers, access and audit; and the algorithms' pieces on toy matrices."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp
from sqlalchemy import select
from sqlalchemy.orm import Session

from rapport.customers.models import Customer
from rapport.errors import Forbidden
from rapport.jobs.catalog import JOBS
from rapport.jobs.schedule import PERIODIC
from rapport.kit.clock import utcnow
from rapport.marketing import recommend, recommenders
from rapport.privacy.access import Role
from rapport.privacy.models import AuditEvent
from rapport.sales.models import Product
from tests.factories import make_customer, make_order, make_product, make_user, principal_of


def _shop(session: Session) -> dict[str, Product]:
    """Earbuds are bought with chargers (often) and with a case (once); notebooks with pens."""
    p = {
        "earbuds": make_product(session, name="Voltra Wireless Earbuds", category="Electronics", brand="Voltra"),
        "charger": make_product(session, name="Voltra Phone Charger", category="Electronics", brand="Voltra"),
        "case": make_product(session, name="Voltra Earbuds Case", category="Electronics", brand="Voltra"),
        "notebook": make_product(session, name="Papyrus Notebook", category="Books", brand="Papyrus"),
        "pen": make_product(session, name="Papyrus Fountain Pen", category="Books", brand="Papyrus"),
        "hose": make_product(session, name="Greenly Garden Hose", category="Garden", brand="Greenly"),
    }
    baskets = [("earbuds", "charger")] * 4 + [("earbuds", "case")] + [("notebook", "pen")] * 3 + [("hose",)] * 2
    for basket in baskets:
        customer = make_customer(session)
        for name in basket:
            make_order(session, customer, p[name])
    return p


def _ids(items: list[recommend.Recommendation]) -> list[int]:
    return [r.product_id for r in items]


def test_bought_together_comes_first_with_its_reason(session: Session, tmp_path: Path) -> None:
    p = _shop(session)
    buyer = make_customer(session)
    make_order(session, buyer, p["earbuds"])
    recommend.fit(session, tmp_path, algorithm="item_knn")

    items = recommend.recommend(session, buyer.id, n=5, data_dir=tmp_path)

    assert items[0].product_id == p["charger"].id
    assert items[0].source == "collaborative"
    assert items[0].because_product_id == p["earbuds"].id
    assert items[0].reason == (
        "You bought Voltra Wireless Earbuds; 4 customers who bought it also bought Voltra Phone Charger."
    )
    assert all(r.reason for r in items)


@pytest.mark.parametrize("algorithm", ["item_knn", "als"])
def test_never_owned_out_of_stock_or_deleted(session: Session, tmp_path: Path, algorithm: str) -> None:
    p = _shop(session)
    buyer = make_customer(session)
    make_order(session, buyer, p["earbuds"])
    make_order(session, buyer, p["notebook"])
    recommend.fit(session, tmp_path, algorithm=algorithm)
    p["charger"].stock = 0
    p["pen"].deleted_at = utcnow()
    session.flush()

    items = recommend.recommend(session, buyer.id, n=10, data_dir=tmp_path)

    assert set(_ids(items)) == {p["case"].id, p["hose"].id}
    assert len(items) == 2


def test_a_new_customer_gets_best_sellers_spread_over_categories(session: Session, tmp_path: Path) -> None:
    p = _shop(session)
    newcomer = make_customer(session)
    recommend.fit(session, tmp_path)

    items = recommend.recommend(session, newcomer.id, n=3, data_dir=tmp_path)

    assert [r.source for r in items] == ["popular"] * 3
    assert _ids(items) == [p["earbuds"].id, p["notebook"].id, p["hose"].id]
    assert items[0].reason == "Popular in Electronics: 5 customers bought it."


def test_a_product_added_after_the_fit_is_reached_by_content(session: Session, tmp_path: Path) -> None:
    p = _shop(session)
    buyer = make_customer(session)
    make_order(session, buyer, p["notebook"])
    recommend.fit(session, tmp_path)
    fresh = make_product(session, name="Papyrus Notebook Refill", category="Books", brand="Papyrus")

    items = recommend.recommend(session, buyer.id, n=5, data_dir=tmp_path)

    similar = [r for r in items if r.source == "content"]
    assert [r.product_id for r in similar] == [fresh.id]
    assert similar[0].reason == "Similar to Papyrus Notebook, which you bought."
    assert items[0].product_id == p["pen"].id  # what was bought together still leads


def test_before_any_fit_content_then_popularity(session: Session, tmp_path: Path) -> None:
    p = _shop(session)
    buyer = make_customer(session)
    make_order(session, buyer, p["earbuds"])

    items = recommend.recommend(session, buyer.id, n=6, data_dir=tmp_path)

    assert p["earbuds"].id not in _ids(items)
    assert items[0].source == "content"
    assert items[0].product_id in {p["case"].id, p["charger"].id}
    assert {r.source for r in items} <= {"content", "popular"}


def test_another_reps_customer_is_forbidden_and_a_read_is_audited(session: Session, tmp_path: Path) -> None:
    p = _shop(session)
    rep, other = make_user(session, Role.sales), make_user(session, Role.sales)
    mine = make_customer(session, owner_id=rep.id)
    theirs = make_customer(session, owner_id=other.id)
    make_order(session, mine, p["earbuds"])

    with pytest.raises(Forbidden):
        recommend.recommend(session, theirs.id, principal=principal_of(rep), data_dir=tmp_path)
    recommend.recommend(session, mine.id, principal=principal_of(rep), data_dir=tmp_path)

    reads = session.scalars(
        select(AuditEvent.entity_id).where(
            AuditEvent.actor_id == rep.id, AuditEvent.entity == "customers", AuditEvent.action == "read"
        )
    ).all()
    assert list(reads) == [str(mine.id)]


def test_fit_stores_files_and_the_job_is_registered_and_nightly(session: Session, tmp_path: Path) -> None:
    _shop(session)

    report = recommend.fit(session, tmp_path)
    again = recommend.fit(session, tmp_path, algorithm="als")

    assert (report.model, report.purchases, report.products) == ("item_knn", 18, 6)
    assert again.model == "als"
    assert sorted(f.name for f in (tmp_path / "recommend").iterdir()) == ["current"]
    assert recommend.load(tmp_path).meta["model"] == "als"  # type: ignore[union-attr]
    assert "marketing.fit_recommender" in JOBS
    assert any(job.job == "marketing.fit_recommender" for job in PERIODIC)


def test_deleted_customers_purchases_are_not_learned(session: Session, tmp_path: Path) -> None:
    p = _shop(session)
    gone = session.scalars(select(Customer).order_by(Customer.id)).first()
    assert gone is not None
    gone.deleted_at = utcnow()
    session.flush()

    report = recommend.fit(session, tmp_path)

    assert report.purchases == 16
    assert p["earbuds"].id in recommend.load(tmp_path).product_ids.tolist()  # type: ignore[union-attr]


# -- the algorithms on toy matrices ------------------------------------------------------------------------------------
def test_top_n_skips_excluded_items_and_orders_by_score() -> None:
    scores = np.array([0.1, 0.9, 0.5, 0.7], dtype=np.float32)

    assert recommenders.top_n(scores, [1], 2).tolist() == [3, 2]
    assert recommenders.top_n(scores, [0, 1, 2, 3], 2).tolist() == []


def test_evaluate_counts_hits_among_unseen_items() -> None:
    train = sp.csr_matrix(np.array([[1, 1, 0, 0], [0, 1, 1, 0]], dtype=np.float32))
    test = sp.csr_matrix(np.array([[0, 0, 1, 0], [0, 0, 0, 1]], dtype=np.float32))
    model = recommenders.Popularity()
    model.fit(train)

    metrics = recommenders.evaluate(model, train, test, k=1)

    # user 0 may get item 2 (1 buyer) or 3 (none): 2, a hit; user 1 may get 0 (1 buyer) or 3: 0, a miss
    assert metrics == {"precision@1": 0.5, "recall@1": 0.5, "ndcg@1": 0.5, "users": 2.0}
