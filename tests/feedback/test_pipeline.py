"""A feedback run on a real small database with the real embedder: topics found, ids and user names stable across
reruns, merges kept, new messages assigned incrementally, emerging topics recorded, aspects stored."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Connection, select
from sqlalchemy.orm import Session

from rapport.feedback import pipeline
from rapport.feedback import service as feedback_service
from rapport.feedback.models import FeedbackAspect, FeedbackEmergence, FeedbackMessage, FeedbackTopic
from rapport.feedback.schemas import TopicMerge, TopicRename
from rapport.privacy.access import system_principal
from rapport.settings import Settings
from rapport.tickets.models import Ticket
from tests.factories import make_customer
from tests.feedback import kit

pytestmark = pytest.mark.db
ADMIN = system_principal("test")


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return Settings(data_dir=tmp_path, database_url=database_url)


def _seed(session: Session) -> None:
    for texts in (kit.LATE, kit.LOGIN, kit.BROKEN, kit.PRAISE):
        kit.add_messages(session, make_customer(session), texts)


def _run(connection: Connection, settings: Settings, *, full: bool = True) -> int:
    run = pipeline.analyse(connection, settings, gateway=None, embedder=kit.embedder(), full=full, min_cluster_size=4)
    return run.id


def _topic_of(session: Session, text: str) -> int | None:
    from rapport.interactions.models import Interaction

    return session.scalar(
        select(FeedbackMessage.topic_id)
        .join(Interaction, Interaction.id == FeedbackMessage.interaction_id)
        .where(Interaction.body == text)
    )


def test_run_scores_every_message_and_groups_complaints_into_topics(
    session: Session, connection: Connection, settings: Settings
) -> None:
    _seed(session)

    _run(connection, settings)

    assert session.scalar(select(FeedbackMessage.id).limit(1)) is not None
    assert len(list(session.scalars(select(FeedbackMessage)))) == 32
    topics = feedback_service.list_topics(session, ADMIN)
    assert len(topics) >= 3
    late = {_topic_of(session, text) for text in kit.LATE[:6]}
    assert len(late) == 1
    assert None not in late
    assert _topic_of(session, kit.BROKEN[0]) != _topic_of(session, kit.LATE[0])
    named = {t.id: t for t in topics}[late.pop()]
    assert named.named_by == "keywords"
    assert set(named.keywords) & {"late", "delivery", "delivered", "courier", "tracking"}


def test_rerun_keeps_topic_ids_and_a_name_given_by_a_person(
    session: Session, connection: Connection, settings: Settings
) -> None:
    _seed(session)
    _run(connection, settings)
    late_topic = _topic_of(session, kit.LATE[0])
    assert late_topic is not None
    feedback_service.rename(session, ADMIN, late_topic, TopicRename(name="Late deliveries"))
    session.flush()

    _run(connection, settings)
    session.expire_all()

    assert _topic_of(session, kit.LATE[0]) == late_topic
    topic = session.get(FeedbackTopic, late_topic)
    assert topic is not None
    assert topic.name == "Late deliveries"
    assert topic.named_by == "user"


def test_merged_topics_stay_together_on_rerun(session: Session, connection: Connection, settings: Settings) -> None:
    _seed(session)
    _run(connection, settings)
    keep, drop = _topic_of(session, kit.LATE[0]), _topic_of(session, kit.LOGIN[0])
    assert keep is not None
    assert drop is not None
    assert keep != drop

    merged = feedback_service.merge(session, ADMIN, keep, TopicMerge(drop_ids=[drop]))
    session.flush()
    assert _topic_of(session, kit.LOGIN[0]) == keep
    assert merged.size >= 8

    _run(connection, settings)
    session.expire_all()

    assert _topic_of(session, kit.LOGIN[0]) == keep
    assert _topic_of(session, kit.LATE[0]) == keep
    dropped = session.get(FeedbackTopic, drop)
    assert dropped is not None
    assert dropped.status == "merged"
    assert dropped.merged_into_id == keep


def test_incremental_run_assigns_a_new_message_to_the_nearest_topic(
    session: Session, connection: Connection, settings: Settings
) -> None:
    _seed(session)
    _run(connection, settings)
    late_topic = _topic_of(session, kit.LATE[0])
    kit.add_messages(session, make_customer(session), ["My delivery is late, the parcel has not arrived yet."])

    _run(connection, settings, full=False)

    assert _topic_of(session, "My delivery is late, the parcel has not arrived yet.") == late_topic
    assert len(list(session.scalars(select(FeedbackMessage)))) == 33


def test_new_topics_with_enough_messages_this_week_are_recorded_as_emerging(
    session: Session, connection: Connection, settings: Settings
) -> None:
    _seed(session)

    _run(connection, settings)

    emerged = list(session.scalars(select(FeedbackEmergence)))
    assert emerged
    assert {e.reason for e in emerged} == {"new"}
    assert all(e.volume >= 5 for e in emerged)


def test_only_the_first_message_of_a_ticket_is_analysed_and_aspects_are_stored(
    session: Session, connection: Connection, settings: Settings
) -> None:
    customer = make_customer(session)
    ticket = Ticket(customer_id=customer.id, subject="Broken kettle")
    session.add(ticket)
    session.flush()
    first, follow_up = kit.add_messages(session, customer, [kit.BROKEN[0], "Any news?"])
    first.ticket_id = follow_up.ticket_id = ticket.id
    first.occurred_at, follow_up.occurred_at = follow_up.occurred_at, first.occurred_at
    session.flush()

    _run(connection, settings)

    analysed = [m.interaction_id for m in session.scalars(select(FeedbackMessage))]
    assert analysed == [first.id]
    assert session.scalar(select(FeedbackAspect.aspect).where(FeedbackAspect.interaction_id == first.id)) is not None
