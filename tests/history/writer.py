"""A process that records runs into a store, for the tests that need a second process.

``python -m tests.history.writer STORE PREFIX RUNS STEPS [--hang-after N]`` records RUNS runs of
STEPS steps each; with ``--hang-after`` it records N steps of one run, prints ``hanging`` and
waits inside the next step until it is killed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time

from runbookkit.execute.events import RunFinished, RunStatus, StepFinished
from runbookkit.history import HistoryRecorder, open_store
from tests.history.conftest import result, started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("store")
    parser.add_argument("prefix")
    parser.add_argument("runs", type=int)
    parser.add_argument("steps", type=int)
    parser.add_argument("--hang-after", type=int)
    parser.add_argument("--heartbeat", type=float, default=0)
    args = parser.parse_args()
    store = open_store(args.store, readonly=False)
    recorder = HistoryRecorder(store, heartbeat=args.heartbeat)
    for index in range(args.runs):
        run_id = f"{args.prefix}-{index:04d}"
        now = dt.datetime.now(dt.UTC)
        recorder(started(run_id, f"book-{args.prefix}", at=now, steps=args.steps))
        for number in range(1, args.steps + 1):
            if number - 1 == args.hang_after:
                print("hanging", flush=True)
                time.sleep(600)
            recorder(StepFinished(run_id, result(number, stdout=f"{run_id} {number}\n")))
        recorder(RunFinished(run_id, RunStatus.passed, 0, dt.datetime.now(dt.UTC)))
    if recorder.failures:
        sys.exit("\n".join(recorder.failures))
    store.close()


if __name__ == "__main__":
    main()
