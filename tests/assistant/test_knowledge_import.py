"""Importing files: created, updated with a new version, unchanged, or failed with a reason, one file at a time."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from rapport.assistant.knowledge_import import import_files
from rapport.knowledge.models import KnowledgeArticle
from rapport.privacy.access import Role, system_principal
from tests.factories import make_user, principal_of

FAQ = b'question,answer\nDo you ship to Norway?,"Yes, in 5-8 days."\n'


def test_new_files_create_articles_and_a_bad_one_is_reported(session: Session) -> None:
    outcomes = import_files(
        session,
        system_principal(),
        [("shipping-faq.csv", FAQ), ("notes.docx", b"x"), ("care.md", b"# Care\n\n## Wool\nHand wash.\n")],
    )

    assert [(o.filename, o.outcome) for o in outcomes] == [
        ("shipping-faq.csv", "created"),
        ("notes.docx", "failed"),
        ("care.md", "created"),
    ]
    article = session.scalar(select(KnowledgeArticle).where(KnowledgeArticle.slug == "shipping-faq"))
    assert article is not None
    assert (article.title, article.version, article.tags) == ("Shipping faq", 1, ["faq"])


def test_a_changed_file_updates_its_article_and_raises_the_version(session: Session) -> None:
    import_files(session, system_principal(), [("shipping-faq.csv", FAQ)])

    again = import_files(session, system_principal(), [("shipping-faq.csv", FAQ)])
    changed = import_files(session, system_principal(), [("shipping-faq.csv", FAQ.replace(b"5-8 days", b"4-6 days"))])

    assert [(o.outcome, o.version) for o in again + changed] == [("unchanged", 1), ("updated", 2)]


def test_a_role_without_write_access_imports_nothing(session: Session, tmp_path: Path) -> None:
    analyst = principal_of(make_user(session, Role.analyst))

    outcomes = import_files(session, analyst, [("care.md", b"# Care\n\nHand wash.\n")])

    assert outcomes[0].outcome == "failed"
    assert "may not create knowledge" in outcomes[0].message
