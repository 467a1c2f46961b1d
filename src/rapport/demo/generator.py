"""Writes the demo company into a database: staff, catalogue, customers, orders, tickets, reviews, deals, tasks, KB.

Seeded and reproducible: the same seed and anchor date give the same company. Rows are written with bulk inserts in
chunks of customers (each chunk one transaction), so the same code makes 5,000 customers for the demo or a million
for benchmarks. Customers come in four kinds (loyal, regular, occasional, one-time), a share of them lapse, and order
dates follow each market's seasons (Black Friday and Christmas; 618, Double 11 and Spring Festival).
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine, func, insert, select, text
from sqlalchemy.orm import Session

from rapport.accounts import service as account_service
from rapport.accounts.models import Team, User
from rapport.activities.models import Task
from rapport.customers import blind
from rapport.customers.models import Company, ConsentRecord, Customer, CustomerSourceId
from rapport.demo import texts
from rapport.demo.catalog import ProductSpec, make_products
from rapport.demo.knowledge import load_articles
from rapport.demo.people import make_person
from rapport.interactions.models import Interaction
from rapport.knowledge.models import KnowledgeArticle
from rapport.privacy.access import Role, system_principal
from rapport.sales.models import Deal, Order, OrderLine, Pipeline, Product
from rapport.store.engine import make_sessionmaker
from rapport.tickets.models import Ticket

DEMO_PASSWORD = "rapport-demo"
STAFF_DOMAIN = "rapport-demo.com"
CENT = Decimal("0.01")
Progress = Callable[[str, int, int], None]

# (email local part, name, role, language, skills)
STAFF: list[tuple[str, str, Role, str, list[str]]] = [
    ("admin", "Avery Admin", Role.admin, "en", []),
    ("mei.lin", "Lin Mei 林梅", Role.manager, "zh", []),
    ("sam.carter", "Sam Carter", Role.sales, "en", []),
    ("li.wei", "Li Wei 李伟", Role.sales, "zh", []),
    ("olivia.brown", "Olivia Brown", Role.sales, "en", []),
    ("priya.patel", "Priya Patel", Role.support, "en", ["en", "billing", "refunds", "orders"]),
    ("zhang.min", "Zhang Min 张敏", Role.support, "zh", ["zh", "en", "orders", "technical"]),
    ("tom.nguyen", "Tom Nguyen", Role.support, "en", ["en", "technical", "warranty"]),
    ("chen.jing", "Chen Jing 陈静", Role.support, "zh", ["zh", "refunds", "billing"]),
    ("maria.garcia", "Maria Garcia", Role.marketing, "en", []),
    ("noah.kim", "Noah Kim", Role.analyst, "en", []),
]

# kind: (share of customers, mean orders over their life, chance to lapse)
KINDS = {
    "loyal": (0.15, 30.0, 0.1),
    "regular": (0.30, 13.0, 0.3),
    "occasional": (0.35, 5.0, 0.4),
    "one_time": (0.20, 1.0, 0.0),
}
SEASON = {
    "en": {11: 1.6, 12: 1.9, 1: 0.8, 2: 0.8},
    "zh": {1: 1.3, 2: 1.2, 6: 1.5, 11: 2.1, 12: 1.2},
}
CHANNELS = (("web", 55), ("app", 30), ("store", 10), ("marketplace", 5))
INTENT_WEIGHTS = {
    "order_status": 14,
    "refund_request": 9,
    "late_delivery": 9,
    "damaged_item": 7,
    "wrong_item": 5,
    "account_access": 6,
    "billing_error": 5,
    "product_question": 10,
    "complaint": 6,
    "praise": 4,
    "cancellation": 5,
    "address_change": 4,
    "warranty_claim": 4,
    "discount_request": 4,
    "technical_problem": 6,
    "return_label": 4,
}
SLA_HOURS = {"urgent": 4, "high": 8, "normal": 24, "low": 72}
COMPANY_WORDS_EN = (
    "Northwind",
    "Bluebird",
    "Summit",
    "Cedar",
    "Atlas",
    "Harbor",
    "Beacon",
    "Maple",
    "Orchid",
    "Pioneer",
)
COMPANY_KINDS_EN = (
    "Labs",
    "Trading",
    "Studio",
    "Partners",
    "Logistics",
    "Foods",
    "Health",
    "Systems",
    "Retail",
    "Media",
)
COMPANY_WORDS_ZH = ("华信", "远航", "星辰", "博雅", "瑞丰", "嘉禾", "云帆", "恒通", "明德", "锦程")
COMPANY_KINDS_ZH = ("科技有限公司", "贸易有限公司", "文化传媒", "餐饮管理", "电子商务", "物流有限公司")
INDUSTRIES = ("Retail", "Technology", "Hospitality", "Healthcare", "Education", "Logistics", "Media", "Food")


@dataclass
class DemoSummary:
    counts: dict[str, int] = field(default_factory=dict)
    staff: list[tuple[str, str]] = field(default_factory=list)  # (email, role)


@dataclass
class _Ids:
    """Next explicit id per table: rows are inserted with ids so children can point at parents without a round trip."""

    next: dict[str, int] = field(default_factory=dict)

    def take(self, table: str) -> int:
        value = self.next[table]
        self.next[table] = value + 1
        return value


def generate(
    engine: Engine,
    *,
    customers: int = 5000,
    seed: int = 7,
    anchor: datetime | None = None,
    chunk: int = 2000,
    progress: Progress | None = None,
) -> DemoSummary:
    """Add the demo company to an initialised (migrated) database. Call it on an empty one."""
    anchor = anchor or datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    rng = random.Random(seed)
    factory = make_sessionmaker(engine)
    summary = DemoSummary()
    with factory() as session:
        staff = _staff(session, summary)
        pipeline = session.scalar(select(Pipeline).order_by(Pipeline.is_default.desc()).limit(1))
        if pipeline is None:
            raise RuntimeError("run `rapport init` first: the database has no pipeline")
        stages = [(s.id, s.probability, s.is_won, s.is_lost) for s in pipeline.stages]
        pipeline_id = pipeline.id
        products = make_products(rng, 240)
        product_rows = _products(session, products)
        _knowledge(session)
        session.commit()
    ids = _Ids({name: _max_id(engine, name) + 1 for name in _TABLES})
    world = _World(rng, anchor, staff, product_rows, products, stages, pipeline_id, ids)
    done = 0
    with engine.connect() as conn:
        companies = world.companies(max(customers // 25, 1))
        conn.execute(insert(Company), companies)
        conn.commit()
        world.company_ids = [c["id"] for c in companies]
        while done < customers:
            size = min(chunk, customers - done)
            rows = world.chunk(done, size)
            for table, batch in rows.items():
                if table == "customers":
                    batch = [{**row, **blind.index_values(row)} for row in batch]  # the ORM's events do not run here
                if batch:
                    conn.execute(insert(_TABLES[table]), batch)
            conn.commit()
            done += size
            if progress:
                progress("customers", done, customers)
        if conn.dialect.name == "postgresql":
            for name in _TABLES:
                conn.execute(
                    text(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), coalesce(max(id), 1)) FROM {name}")
                )
            conn.commit()
    with engine.connect() as conn:
        for name, model in _TABLES.items():
            summary.counts[name] = conn.execute(select(func.count()).select_from(model)).scalar_one()
        summary.counts["users"] = conn.execute(select(func.count(User.id))).scalar_one()
        summary.counts["knowledge_articles"] = conn.execute(select(func.count(KnowledgeArticle.id))).scalar_one()
        summary.counts["products"] = conn.execute(select(func.count(Product.id))).scalar_one()
    return summary


_TABLES: dict[str, Any] = {
    "companies": Company,
    "customers": Customer,
    "customer_source_ids": CustomerSourceId,
    "consent_records": ConsentRecord,
    "orders": Order,
    "order_lines": OrderLine,
    "tickets": Ticket,
    "interactions": Interaction,
    "deals": Deal,
    "tasks": Task,
}


def _max_id(engine: Engine, table: str) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text(f"SELECT coalesce(max(id), 0) FROM {table}")).scalar_one())


def _staff(session: Session, summary: DemoSummary) -> dict[str, list[User]]:
    by_role: dict[str, list[User]] = {}
    system = system_principal("cli")
    password_hash = account_service.hash_password(DEMO_PASSWORD)  # Argon2 is slow on purpose: hash once for all
    for local, name, role, language, skills in STAFF:
        email = f"{local}@{STAFF_DOMAIN}"
        user = session.scalar(select(User).where(User.email == email))
        if user is None:
            user = account_service.create_user(
                session,
                system,
                {"email": email, "name": name, "role": role, "password_hash": password_hash, "language": language},
            )
            user.skills = skills
        by_role.setdefault(str(role), []).append(user)
        summary.staff.append((email, str(role)))
    if session.scalar(select(Team.id).limit(1)) is None:
        manager = by_role["manager"][0]
        session.add(Team(name="Sales", members=[manager, *by_role["sales"]]))
        session.add(Team(name="Support", members=[manager, *by_role["support"]]))
    session.flush()
    return by_role


def _products(session: Session, specs: Sequence[ProductSpec]) -> list[Product]:
    existing = {sku for (sku,) in session.execute(select(Product.sku))}
    for spec in specs:
        if spec.sku in existing:
            continue
        session.add(
            Product(
                sku=spec.sku,
                name=spec.name_en,
                name_zh=spec.name_zh,
                category=spec.category,
                brand=spec.brand,
                price=spec.price,
                currency=spec.currency,
                stock=spec.stock,
            )
        )
    session.flush()
    return list(session.scalars(select(Product).order_by(Product.id)))


def _knowledge(session: Session) -> None:
    existing = {slug for (slug,) in session.execute(select(KnowledgeArticle.slug))}
    for article in load_articles():
        if article.slug in existing:
            continue
        session.add(
            KnowledgeArticle(
                slug=article.slug,
                title=article.title,
                body=article.body,
                language=article.language,
                category=article.category,
                tags=list(article.tags),
            )
        )
    session.flush()


class _World:
    """Draws one chunk of customers with everything that hangs off them."""

    def __init__(
        self,
        rng: random.Random,
        anchor: datetime,
        staff: dict[str, list[User]],
        products: list[Product],
        specs: Sequence[ProductSpec],
        stages: list[tuple[int, int, bool, bool]],
        pipeline_id: int,
        ids: _Ids,
    ) -> None:
        self.rng = rng
        self.anchor = anchor
        self.sales = [u.id for u in staff["sales"]]
        self.support_en = [u.id for u in staff["support"] if "en" in (u.skills or [])]
        self.support_zh = [u.id for u in staff["support"] if "zh" in (u.skills or [])]
        self.support = [u.id for u in staff["support"]]
        self.products = [(p.id, p.name, p.name_zh or p.name, p.sku, p.category, p.price) for p in products]
        self.categories = sorted({p[4] for p in self.products})
        self.by_category: dict[str, list[int]] = {}
        for index, product in enumerate(self.products):
            self.by_category.setdefault(product[4], []).append(index)
        self.stages = stages
        self.pipeline_id = pipeline_id
        self.ids = ids
        self.company_ids: list[int] = []
        self.order_number = 10000 + ids.next["orders"]
        self.intents = list(INTENT_WEIGHTS)
        self.intent_weights = list(INTENT_WEIGHTS.values())

    # -- companies -------------------------------------------------------------------------------------------
    def companies(self, n: int) -> list[dict[str, Any]]:
        rows = []
        for _ in range(n):
            zh = self.rng.random() < 0.4
            if zh:
                name = self.rng.choice(COMPANY_WORDS_ZH) + self.rng.choice(COMPANY_KINDS_ZH)
            else:
                name = f"{self.rng.choice(COMPANY_WORDS_EN)} {self.rng.choice(COMPANY_KINDS_EN)}"
            cid = self.ids.take("companies")
            rows.append(
                {
                    "id": cid,
                    "name": f"{name} {cid}" if not zh else f"{name}（{cid}）",
                    "industry": self.rng.choice(INDUSTRIES),
                    "size": self.rng.choice(["1-10", "11-50", "51-200", "201-1000"]),
                    "country": "CN" if zh else self.rng.choice(["US", "GB", "CA", "AU"]),
                    "owner_id": self.rng.choice(self.sales),
                    "created_at": self.anchor - timedelta(days=self.rng.randint(400, 1500)),
                    "updated_at": self.anchor - timedelta(days=self.rng.randint(1, 399)),
                }
            )
        return rows

    # -- one chunk -------------------------------------------------------------------------------------------
    def chunk(self, start: int, size: int) -> dict[str, list[dict[str, Any]]]:
        out: dict[str, list[dict[str, Any]]] = {name: [] for name in _TABLES if name != "companies"}
        for serial in range(start, start + size):
            self._customer(serial, out)
        return out

    def _customer(self, serial: int, out: dict[str, list[dict[str, Any]]]) -> None:
        rng = self.rng
        language = "zh" if rng.random() < 0.4 else "en"
        person = make_person(rng, language, serial)
        cid = self.ids.take("customers")
        kind = self._kind()
        _, mean_orders, lapse = KINDS[kind]
        signup = self.anchor - timedelta(days=rng.uniform(10, 3 * 365))
        active_until = self.anchor
        if rng.random() < lapse:
            lifetime = (self.anchor - signup).days
            active_until = signup + timedelta(days=rng.uniform(0.2, 0.7) * lifetime)
        owner = rng.choice(self.sales) if rng.random() < 0.85 else None
        consent_email = rng.random() < 0.62
        consent_sms = rng.random() < 0.35
        out["customers"].append(
            {
                "id": cid,
                "full_name": person.full_name,
                "first_name": person.first_name,
                "last_name": person.last_name,
                "gender": person.gender,
                "birth_date": person.birth_date,
                "language": language,
                "email": person.email,
                "phone": person.phone,
                "emails": [person.email],
                "phones": [person.phone],
                "addresses": [person.address],
                "city": person.address.get("city"),
                "country": person.address.get("country"),
                "company_id": rng.choice(self.company_ids) if self.company_ids and rng.random() < 0.25 else None,
                "owner_id": owner,
                "lifecycle_stage": "customer",
                "tags": [kind] + (["vip"] if kind == "loyal" and rng.random() < 0.4 else []),
                "consent_email": consent_email,
                "consent_sms": consent_sms,
                "source": "demo",
                "created_at": signup,
                "updated_at": signup,
            }
        )
        out["customer_source_ids"].append(
            {
                "id": self.ids.take("customer_source_ids"),
                "customer_id": cid,
                "system": "shop",
                "external_id": f"S{cid:08d}",
            }
        )
        for channel, granted in (("email", consent_email), ("sms", consent_sms)):
            if granted:
                out["consent_records"].append(
                    {
                        "id": self.ids.take("consent_records"),
                        "customer_id": cid,
                        "channel": channel,
                        "is_granted": True,
                        "at": signup,
                        "source": "signup form",
                    }
                )
        favourites = rng.sample(self.categories, k=min(2, len(self.categories)))
        orders = self._orders(cid, language, kind, mean_orders, signup, active_until, favourites, out)
        self._tickets(cid, language, owner, orders, signup, out)
        self._reviews(cid, language, orders, out)
        self._notes(cid, language, owner, signup, out)
        if owner is not None and rng.random() < 0.12:
            self._deal(cid, owner, out)

    def _kind(self) -> str:
        roll = self.rng.random()
        for kind, (share, _, _) in KINDS.items():
            if roll < share:
                return kind
            roll -= share
        return "one_time"

    # -- orders ----------------------------------------------------------------------------------------------
    def _orders(
        self,
        cid: int,
        language: str,
        kind: str,
        mean: float,
        start: datetime,
        end: datetime,
        favourites: list[str],
        out: dict[str, list[dict[str, Any]]],
    ) -> list[tuple[int, str, datetime, int, str]]:
        rng = self.rng
        count = 1 if kind == "one_time" else max(1, round(rng.gauss(mean, mean / 3)))
        span = max((end - start).total_seconds(), 3600.0)
        made: list[tuple[int, str, datetime, int, str]] = []
        season = SEASON[language]
        for _ in range(count):
            while True:  # seasonality by rejection: busy months are accepted more often
                placed = start + timedelta(seconds=rng.random() * span)
                if rng.random() * 2.1 < season.get(placed.month, 1.0):
                    break
            placed = placed.replace(hour=rng.choice((9, 11, 13, 15, 19, 20, 21, 22)), minute=rng.randint(0, 59))
            if placed > self.anchor:
                placed = self.anchor - timedelta(hours=rng.randint(1, 48))
            oid = self.ids.take("orders")
            self.order_number += 1
            number = str(self.order_number)
            lines = []
            subtotal = Decimal("0")
            for _ in range(rng.choices((1, 2, 3), weights=(60, 28, 12))[0]):
                category = rng.choice(favourites) if rng.random() < 0.7 else rng.choice(self.categories)
                index = rng.choice(self.by_category[category])
                pid, _, _, _, _, price = self.products[index]
                quantity = rng.choices((1, 2, 3), weights=(80, 15, 5))[0]
                total = (price * quantity).quantize(CENT)
                subtotal += total
                lines.append(
                    {
                        "id": self.ids.take("order_lines"),
                        "order_id": oid,
                        "product_id": pid,
                        "quantity": quantity,
                        "unit_price": price,
                        "line_total": total,
                    }
                )
            age_days = (self.anchor - placed).days
            status = "delivered"
            if age_days < 2:
                status = "paid"
            elif age_days < 6:
                status = "shipped"
            roll = rng.random()
            if roll < 0.03:
                status = "cancelled"
            elif roll < 0.07 and status == "delivered":
                status = "returned"
            shipped = placed + timedelta(hours=rng.randint(12, 60)) if status not in ("paid", "cancelled") else None
            delivered = (
                shipped + timedelta(days=rng.randint(2, 7)) if shipped and status in ("delivered", "returned") else None
            )
            discount = (subtotal * Decimal(rng.choice((0, 0, 0, 5, 10)) / 100)).quantize(CENT)
            shipping = Decimal("0") if subtotal >= 50 else Decimal("5.99")
            out["orders"].append(
                {
                    "id": oid,
                    "number": number,
                    "customer_id": cid,
                    "placed_at": placed,
                    "status": status,
                    "channel": rng.choices([c for c, _ in CHANNELS], weights=[w for _, w in CHANNELS])[0],
                    "currency": "USD",
                    "subtotal": subtotal,
                    "discount": discount,
                    "shipping": shipping,
                    "total": subtotal - discount + shipping,
                    "shipped_at": shipped,
                    "delivered_at": delivered,
                    "tracking_number": f"TRK{oid:010d}" if shipped else None,
                    "source": "demo",
                    "created_at": placed,
                    "updated_at": delivered or shipped or placed,
                }
            )
            out["order_lines"].extend(lines)
            first_index = next(i for i, p in enumerate(self.products) if p[0] == lines[0]["product_id"])
            made.append((oid, number, placed, first_index, status))
        return made

    # -- tickets and their conversations ----------------------------------------------------------------------
    def _tickets(
        self,
        cid: int,
        language: str,
        owner: int | None,
        orders: list[tuple[int, str, datetime, int, str]],
        signup: datetime,
        out: dict[str, list[dict[str, Any]]],
    ) -> None:
        rng = self.rng
        count = rng.choices((0, 1, 2, 3), weights=(25, 47, 20, 8))[0]
        for _ in range(count):
            intent = rng.choices(self.intents, weights=self.intent_weights)[0]
            order = rng.choice(orders) if orders else None
            _, number, placed, product_index, _ = order if order else (0, None, signup, 0, "")
            _, name_en, name_zh, sku, _, price = self.products[product_index]
            created = min(placed + timedelta(days=rng.uniform(0.5, 20)), self.anchor - timedelta(minutes=30))
            ctx = texts.TicketContext(
                customer_first_name=None,
                order_number=number,
                product_name=name_zh if language == "zh" else name_en,
                sku=sku,
                amount=f"¥{price * 7:.0f}" if language == "zh" else f"${price}",
                days_late=rng.randint(2, 12),
            )
            written = texts.render_ticket(rng, intent, language, ctx)
            priority = texts.INTENTS[intent].priority
            if written.sentiment == "very_negative" and priority in ("low", "normal"):
                priority = "high"
            age_h = (self.anchor - created).total_seconds() / 3600
            status = (
                rng.choice(("new", "open"))
                if age_h < 24
                else rng.choice(("open", "pending"))
                if age_h < 96
                else rng.choices(("solved", "closed", "open"), weights=(60, 35, 5))[0]
            )
            pool = self.support_zh if language == "zh" else self.support_en
            assignee = rng.choice(pool or self.support) if status != "new" else None
            responded = created + timedelta(hours=rng.uniform(0.2, SLA_HOURS[priority] * 1.3)) if assignee else None
            resolved = (
                (responded or created) + timedelta(hours=rng.uniform(1, 72)) if status in ("solved", "closed") else None
            )
            if resolved and resolved > self.anchor:
                resolved = self.anchor - timedelta(minutes=5)
            if responded and responded > self.anchor:
                responded = None
            tid = self.ids.take("tickets")
            channel = rng.choices(("email", "chat", "web", "phone"), weights=(50, 30, 15, 5))[0]
            out["tickets"].append(
                {
                    "id": tid,
                    "customer_id": cid,
                    "subject": written.subject,
                    "status": status,
                    "priority": priority,
                    "channel": channel,
                    "assignee_id": assignee,
                    "sla_due_at": created + timedelta(hours=SLA_HOURS[priority]),
                    "first_response_at": responded,
                    "resolved_at": resolved,
                    "intent": intent,
                    "sentiment": written.sentiment,
                    "language": language,
                    "created_at": created,
                    "updated_at": resolved or responded or created,
                }
            )
            kind = "email" if channel in ("email", "web") else "chat" if channel == "chat" else "call_note"
            self._interaction(
                out, cid, kind, "inbound", written.body, language, created, ticket=tid, subject=written.subject
            )
            if responded:
                reply = texts.render_agent_reply(rng, intent, language, ctx)
                self._interaction(out, cid, kind, "outbound", reply, language, responded, ticket=tid, author=assignee)

    def _reviews(
        self,
        cid: int,
        language: str,
        orders: list[tuple[int, str, datetime, int, str]],
        out: dict[str, list[dict[str, Any]]],
    ) -> None:
        rng = self.rng
        for _, _, placed, product_index, status in orders:
            if status != "delivered" or rng.random() > 0.12:
                continue
            pid, name_en, name_zh, _, category, _ = self.products[product_index]
            rating = rng.choices((5, 4, 3, 2, 1), weights=(45, 25, 12, 8, 10))[0]
            name = name_zh if language == "zh" else name_en
            body = texts.render_review(rng, name, rating, language, category=category)
            at = min(placed + timedelta(days=rng.uniform(4, 30)), self.anchor - timedelta(minutes=1))
            self._interaction(out, cid, "review", "inbound", body, language, at, product=pid, rating=rating)

    def _notes(
        self, cid: int, language: str, owner: int | None, signup: datetime, out: dict[str, list[dict[str, Any]]]
    ) -> None:
        rng = self.rng
        if owner is None or rng.random() > 0.3:
            return
        kind = rng.choice(("call_note", "note", "email"))
        at = signup + timedelta(seconds=rng.random() * max((self.anchor - signup).total_seconds(), 1))
        body = texts.render_interaction(rng, kind, language, texts.TicketContext(None, None, None, None, None, None))
        direction = "outbound" if kind == "email" else "internal"
        self._interaction(out, cid, kind, direction, body, language, at, author=owner)
        if rng.random() < 0.4:
            due = self.anchor + timedelta(days=rng.randint(-10, 20))
            done = due < self.anchor and rng.random() < 0.7
            out["tasks"].append(
                {
                    "id": self.ids.take("tasks"),
                    "title": rng.choice(
                        ("Follow up on call", "Send product brochure", "Check renewal", "回访客户", "确认报价")
                    ),
                    "due_at": due,
                    "status": "done" if done else "open",
                    "completed_at": due if done else None,
                    "assignee_id": owner,
                    "created_by_id": owner,
                    "related_type": "customer",
                    "related_id": cid,
                    "customer_id": cid,
                    "created_at": min(at, self.anchor),
                    "updated_at": min(at, self.anchor),
                }
            )

    def _deal(self, cid: int, owner: int, out: dict[str, list[dict[str, Any]]]) -> None:
        rng = self.rng
        stage_id, probability, is_won, is_lost = rng.choices(
            self.stages, weights=(25, 20, 18, 12, 15, 10)[: len(self.stages)]
        )[0]
        created = self.anchor - timedelta(days=rng.randint(1, 300))
        out["deals"].append(
            {
                "id": self.ids.take("deals"),
                "name": rng.choice(
                    ("Annual order", "Corporate gifts", "Office refit", "Bulk purchase", "年度采购", "团购")
                ),
                "customer_id": cid,
                "pipeline_id": self.pipeline_id,
                "stage_id": stage_id,
                "amount": Decimal(rng.randrange(500, 50000, 50)),
                "currency": "USD",
                "probability": probability,
                "expected_close": (created + timedelta(days=rng.randint(14, 120))).date(),
                "owner_id": owner,
                "status": "won" if is_won else "lost" if is_lost else "open",
                "closed_at": created + timedelta(days=rng.randint(5, 60)) if (is_won or is_lost) else None,
                "created_at": created,
                "updated_at": created,
            }
        )

    def _interaction(
        self,
        out: dict[str, list[dict[str, Any]]],
        cid: int,
        kind: str,
        direction: str,
        body: str,
        language: str,
        at: datetime,
        *,
        ticket: int | None = None,
        product: int | None = None,
        rating: int | None = None,
        author: int | None = None,
        subject: str | None = None,
    ) -> None:
        out["interactions"].append(
            {
                "id": self.ids.take("interactions"),
                "customer_id": cid,
                "ticket_id": ticket,
                "product_id": product,
                "kind": kind,
                "direction": direction,
                "subject": subject,
                "body": body,
                "language": language,
                "rating": rating,
                "author_id": author,
                "occurred_at": at,
                "created_at": at,
                "updated_at": at,
            }
        )


def expected_orders(customers: int) -> int:
    """Roughly how many orders `customers` customers get: used to size progress bars."""
    return math.ceil(customers * sum(share * mean for share, mean, _ in KINDS.values()))
