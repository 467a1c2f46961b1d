"""The registry: numbered versions, promotion, rollback one promotion at a time, deployment settings, deletion."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from rapport.ai.classifier import registry
from rapport.errors import Conflict, Invalid, NotFound

from .conftest import add_version

pytestmark = pytest.mark.slow


def test_versions_are_numbered_per_name_and_stored_under_data_dir(
    session: Session, tmp_path: Path, trained_folder: Path
) -> None:
    first = add_version(session, tmp_path, trained_folder)
    second = add_version(session, tmp_path, trained_folder)
    other = add_version(session, tmp_path, trained_folder, name="ticket-sentiment")

    assert (first.label, second.label, other.label) == ("ticket-intent@1", "ticket-intent@2", "ticket-sentiment@1")
    assert (registry.folder_of(second, tmp_path) / "card.json").is_file()
    assert registry.folder_of(second, tmp_path) == tmp_path / "models" / "classifiers" / "ticket-intent" / "2"
    assert second.data_hash == first.data_hash
    assert registry.get(session, "ticket-intent").id == second.id  # newest while nothing is promoted


def test_promote_then_rollback_walks_back_one_promotion_at_a_time(
    session: Session, tmp_path: Path, trained_folder: Path
) -> None:
    v1, v2, v3 = (add_version(session, tmp_path, trained_folder) for _ in range(3))
    for version in (v1, v2, v3):
        registry.promote(session, version, user_id=None)

    after_one = registry.rollback(session, "ticket-intent", user_id=None).version_id
    after_two = registry.rollback(session, "ticket-intent", user_id=None).version_id

    assert (after_one, after_two) == (v2.id, v1.id)
    assert registry.get(session, "ticket-intent").id == v1.id
    with pytest.raises(Conflict, match="nothing was live before"):
        registry.rollback(session, "ticket-intent", user_id=None)


def test_promoting_the_live_version_again_is_a_conflict(session: Session, tmp_path: Path, trained_folder: Path) -> None:
    version = add_version(session, tmp_path, trained_folder)
    registry.promote(session, version, user_id=None)

    with pytest.raises(Conflict):
        registry.promote(session, version, user_id=None)


def test_configure_sets_and_clears_the_threshold(session: Session, tmp_path: Path, trained_folder: Path) -> None:
    registry.promote(session, add_version(session, tmp_path, trained_folder), user_id=None)

    set_ = registry.configure(
        session, "ticket-intent", threshold=0.4, clear_threshold=False, use_llm_fallback=True, user_id=None
    )
    assert (set_.threshold, set_.use_llm_fallback) == (0.4, True)
    cleared = registry.configure(
        session, "ticket-intent", threshold=None, clear_threshold=True, use_llm_fallback=None, user_id=None
    )
    assert (cleared.threshold, cleared.use_llm_fallback) == (None, True)


def test_the_promoted_version_cannot_be_deleted_but_others_can(
    session: Session, tmp_path: Path, trained_folder: Path
) -> None:
    live, old = add_version(session, tmp_path, trained_folder), add_version(session, tmp_path, trained_folder)
    registry.promote(session, live, user_id=None)
    folder = registry.folder_of(old, tmp_path)

    with pytest.raises(Conflict, match="is promoted"):
        registry.delete(session, tmp_path, live)
    registry.delete(session, tmp_path, old)

    assert not folder.exists()
    with pytest.raises(NotFound):
        registry.get(session, "ticket-intent@2")


@pytest.mark.parametrize("ref", ["Ticket-Intent", "ticket intent@1", "x@one", ""])
def test_bad_references_are_refused(session: Session, ref: str) -> None:
    with pytest.raises(Invalid):
        registry.get(session, ref)
