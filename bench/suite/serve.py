"""Serve Rapport's app or the bare baseline app on a database, under the same uvicorn settings.

    python bench/suite/serve.py rapport|bare DB_PATH PORT

Rapport's app is `create_app(Settings())` without the embedded job workers (`rapport serve` starts them in the same
process; a periodic job firing mid-run would measure the job, not the API). The API rate limit is off for the run.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent


def make_app(kind: str, db: Path) -> Any:
    if kind == "bare":
        sys.path.insert(0, str(HERE.parent))
        from suite import bare

        return bare.create_app(db)
    from rapport.app import create_app
    from rapport.settings import Settings

    os.environ["RAPPORT_SECURITY__API_RATE_LIMIT"] = "0"
    settings = Settings(data_dir=db.parent, database_url=f"sqlite:///{db}", log_level="WARNING")
    return create_app(settings)


def main() -> None:
    import uvicorn

    kind, db, port = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3])
    uvicorn.run(make_app(kind, db), host="127.0.0.1", port=port, log_level="warning", access_log=False)


if __name__ == "__main__":
    main()
