"""Live progress of long operations (imports, training, analytics): one partial that HTMX polls until it is done.

A domain's long operation registers a source, `register("imports", source)`, where `source(session, principal, key)`
returns a `Progress` (raising NotFound or Forbidden like any read). A page shows the bar with
`{% include "web/_progress.html" %}` (given `progress`, `kind` and `key`) or with an element that loads
`/app/progress/<kind>/<key>`; while the operation runs the partial replaces itself every second, and when it
stops it says so, links to the result and fires the `rapport:progress-done` event for the page to react to.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from rapport.api.deps import DbSession
from rapport.errors import NotFound
from rapport.privacy.access import Principal
from rapport.web.kit import CurrentViewer, PageRoute, render

router = APIRouter(prefix="/app", route_class=PageRoute, include_in_schema=False)
POLL_S = 1


@dataclass(frozen=True)
class Progress:
    done: int
    total: int | None  # None while the size is not known yet (the bar then shows activity, not a share)
    state: str  # queued | running | done | failed | cancelled
    message: str = ""
    result_url: str | None = None
    fraction: float | None = None  # 0..1 when the source knows the share better than done/total (bytes read)

    @property
    def is_running(self) -> bool:
        return self.state in ("queued", "running")

    @property
    def percent(self) -> int | None:
        if self.state == "done":
            return 100
        if self.fraction is not None:
            return max(0, min(100, int(100 * self.fraction)))
        if not self.total:
            return None
        return max(0, min(100, int(100 * self.done / self.total)))


ProgressSource = Callable[[Session, Principal, str], Progress]
SOURCES: dict[str, ProgressSource] = {}


def register(kind: str, source: ProgressSource) -> None:
    SOURCES[kind] = source


@router.get("/progress/{kind}/{key}")
def progress(
    request: Request,
    kind: Annotated[str, Path(max_length=40)],
    key: Annotated[str, Path(max_length=100)],
    db: DbSession,
    viewer: CurrentViewer,
) -> Response:
    source = SOURCES.get(kind)
    if source is None:
        raise NotFound(f"no progress is tracked for {kind!r}")
    state = source(db, viewer.principal, key)
    headers = {}
    if not state.is_running:
        headers["HX-Trigger"] = json.dumps({"rapport:progress-done": {"kind": kind, "key": key, "state": state.state}})
    return render(request, "web/_progress.html", {"progress": state, "kind": kind, "key": key}, headers=headers)
