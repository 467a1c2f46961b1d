"""`python -m rapport.jobs`: a worker with nothing but the queue imported (what `rapport worker` runs, for
containers and tests that should not load the whole CLI). Settings come from RAPPORT_* like everywhere else;
the options override the queue settings."""

from __future__ import annotations

import argparse
import logging

from rapport.jobs.queue import Queue
from rapport.jobs.runtime import JobRuntime
from rapport.settings import Settings


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m rapport.jobs", description=__doc__)
    parser.add_argument("--backend", choices=["sqlite", "redis"])
    parser.add_argument("--redis-url")
    parser.add_argument("--name", help="queue name")
    parser.add_argument("--workers", type=int)
    parser.add_argument("--processes", action="store_true", help="worker processes instead of threads")
    parser.add_argument("--no-periodic", action="store_true")
    parser.add_argument("--heartbeat-s", type=float)
    parser.add_argument("--lease-s", type=float)
    args = parser.parse_args(argv)
    settings = Settings()
    logging.basicConfig(level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s %(message)s")
    queue = Queue.for_settings(
        settings,
        runtime=JobRuntime(settings),
        backend=args.backend,
        redis_url=args.redis_url,
        name=args.name,
        workers=args.workers,
        worker_type="process" if args.processes else None,
        periodic=False if args.no_periodic else None,
        heartbeat_s=args.heartbeat_s,
        lease_s=args.lease_s,
    )
    queue.consumer().run()


if __name__ == "__main__":
    main()
