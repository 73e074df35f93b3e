"""The PgQueuer side of benchmarks/jobs.sh (run with the private venv's python).

  install DSN                 create PgQueuer's tables (durable, its defaults)
  enqueue DSN N BATCH         enqueue N no-op jobs, BATCH per statement; prints the elapsed ms
  drain DSN BATCH             run a worker in drain mode (exits when the queue is empty); prints
                              "first_start_ms last_end_ms count" (wall clock of this machine)
  listen DSN BATCH SECONDS    an idle worker for SECONDS; prints one enqueue-to-start latency
                              (ms, from the job's own `created` time) per job it ran
  trickle DSN N INTERVAL_MS   enqueue N jobs one at a time, INTERVAL_MS apart
"""

import asyncio
import sys
import time
from datetime import timedelta

import asyncpg
from pgqueuer import PgQueuer, Queries
from pgqueuer.db import AsyncpgDriver
from pgqueuer.models import Job
from pgqueuer.types import QueueExecutionMode


async def install(dsn: str) -> None:
    conn = await asyncpg.connect(dsn)
    await Queries(AsyncpgDriver(conn)).install()
    await conn.close()


async def enqueue(dsn: str, n: int, batch: int) -> None:
    conn = await asyncpg.connect(dsn)
    queries = Queries(AsyncpgDriver(conn))
    start = time.perf_counter()
    for first in range(0, n, batch):
        size = min(batch, n - first)
        await queries.enqueue(["noop"] * size, [b'{"i":%d}' % (first + i) for i in range(size)], [0] * size)
    print(round((time.perf_counter() - start) * 1000))
    await conn.close()


async def worker(dsn: str, batch: int, seconds: float | None) -> None:
    conn = await asyncpg.connect(dsn)
    pgq = PgQueuer(AsyncpgDriver(conn))
    first: list[float] = []
    last: list[float] = []
    latencies: list[float] = []

    @pgq.entrypoint("noop")
    async def noop(job: Job) -> None:
        now = time.time()
        if not first:
            first.append(now)
        last[:] = [now]
        latencies.append((now - job.created.timestamp()) * 1000)

    if seconds is None:
        await pgq.run(batch_size=batch, mode=QueueExecutionMode.drain, dequeue_timeout=timedelta(seconds=1))
        if first:
            print(round(first[0] * 1000), round(last[0] * 1000), len(latencies))
        else:
            print(0, 0, 0)
    else:
        async def stop() -> None:
            await asyncio.sleep(seconds)
            pgq.shutdown.set()

        stopper = asyncio.create_task(stop())
        await pgq.run(batch_size=batch, dequeue_timeout=timedelta(seconds=5))
        await stopper
        for latency in latencies:
            print(round(latency, 2))
    await conn.close()


async def trickle(dsn: str, n: int, interval_ms: int) -> None:
    conn = await asyncpg.connect(dsn)
    queries = Queries(AsyncpgDriver(conn))
    for i in range(n):
        await queries.enqueue("noop", b'{"latency":%d}' % i, 0)
        await asyncio.sleep(interval_ms / 1000)
    await conn.close()


def main() -> None:
    command, dsn = sys.argv[1], sys.argv[2]
    if command == "install":
        asyncio.run(install(dsn))
    elif command == "enqueue":
        asyncio.run(enqueue(dsn, int(sys.argv[3]), int(sys.argv[4])))
    elif command == "drain":
        asyncio.run(worker(dsn, int(sys.argv[3]), None))
    elif command == "listen":
        asyncio.run(worker(dsn, int(sys.argv[3]), float(sys.argv[4])))
    elif command == "trickle":
        asyncio.run(trickle(dsn, int(sys.argv[3]), int(sys.argv[4])))
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main()
