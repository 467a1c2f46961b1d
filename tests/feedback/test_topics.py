"""Topic building blocks on plain vectors and texts: density clusters, c-TF-IDF keywords, matching old topics,
incremental assignment, and names with and without a model."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from rapport.ai.embeddings.base import normalise
from rapport.feedback import topics
from tests.feedback import kit


def _blobs(seed: int = 1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = normalise(rng.normal(size=(3, 32)))
    return normalise(np.vstack([centres[i] + 0.05 * rng.normal(size=(20, 32)) for i in range(3)]))


def test_clusters_are_found_largest_first_with_a_threshold_from_their_members() -> None:
    found = topics.cluster(_blobs(), min_cluster_size=5)

    assert sorted(len(c.members) for c in found) == [20, 20, 20]
    assert {frozenset(c.members) for c in found} == {frozenset(range(i * 20, i * 20 + 20)) for i in range(3)}
    assert all(0.5 < c.threshold < 1.0 for c in found)


def test_too_few_messages_make_no_clusters() -> None:
    assert topics.cluster(_blobs()[:6], min_cluster_size=5) == []


def test_keywords_are_words_frequent_in_one_topic_and_rare_in_others() -> None:
    late = ["my parcel is late", "the parcel delivery is late again", "late courier, parcel missing"]
    broken = ["the kettle arrived broken", "broken lid on the kettle", "kettle broken in the box"]
    zh = ["快递太慢了", "快递一直没到，太慢了"]

    words = topics.keywords([late, broken, zh])

    assert words[0][:2] == ["late", "parcel"]
    assert words[1][:2] == ["broken", "kettle"]
    assert "快递" in words[2]


def test_new_clusters_continue_old_topics_by_centroid_or_shared_members() -> None:
    vectors = _blobs()
    found = topics.cluster(vectors, min_cluster_size=5)
    ids = [set(c.members) for c in found]
    old = {7: (found[0].centroid, set()), 9: (-found[1].centroid, ids[1])}

    matched = topics.match(found, old, ids)

    assert matched == {0: 7, 1: 9}


def test_assign_takes_the_nearest_centroid_above_its_threshold() -> None:
    centroids = normalise(np.eye(3, 8, dtype=np.float32))
    rows = normalise(np.array([[0.9, 0.1, 0, 0, 0, 0, 0, 0], [0, 0, 0, 1, 0, 0, 0, 0]], dtype=np.float32))

    found = topics.assign(rows, centroids, [0.8, 0.8, 0.8])

    assert found[0] is not None
    assert found[0][0] == 0
    assert found[0][1] > 0.9
    assert found[1] is None


def test_without_a_model_a_topic_is_named_by_its_keywords() -> None:
    name, named_by = topics.name_topic(None, ["late", "parcel", "courier", "tracking"], ["my parcel is late"])

    assert named_by == "keywords"
    assert name.name == "late / parcel / courier"
    assert name.description == "Messages mentioning late, parcel, courier, tracking."


def test_the_small_model_names_a_topic_in_plain_words(tmp_path: Path) -> None:
    gateway = kit.gateway_with(kit.local_model(), tmp_path)

    name, named_by = topics.name_topic(
        gateway, ["late", "parcel", "courier", "tracking"], ["My parcel is two weeks late.", "Where is my order?"]
    )

    assert named_by == "model"
    assert 2 <= len(name.name) <= 60
    assert len(name.description) >= 5


def test_an_answer_that_is_not_json_falls_back_to_the_keywords(tmp_path: Path) -> None:
    gateway = kit.gateway_with(kit.ScriptedProvider("Late parcels, I think."), tmp_path)

    name, named_by = topics.name_topic(gateway, ["late", "parcel"], ["My parcel is late."])

    assert (name.name, named_by) == ("late / parcel", "keywords")
