"""A chunked run, in a child process, that stops itself with a signal at a chosen point.

The scale tests run this file to kill or interrupt a real run at a known point of its work,
never after a sleep (a timer lands anywhere, or nowhere, on a loaded machine)::

    python stop_at.py SIGNAL POINT N COMMAND ARGS...

``SIGNAL``
    ``KILL`` or ``INT``: the process sends it to itself (``os.kill(os.getpid(), ...)``), after
    printing ``stop_at: SIG<SIGNAL> <POINT> <N>`` on stderr, so a test can tell its own signal
    from any other death.
``POINT`` and ``N`` (chunk commits are counted from 1, in this process)
    ``before-commit``: on entering the Nth commit, before it writes anything;
    ``after-commit``: once the Nth commit has returned (that chunk is stored), before the
    runner counts it;
    ``waiting``: after the Nth commit, when the runner asks its executor for the next finished
    chunk (where it waits on the workers, and where a Ctrl-C mostly lands);
    ``in-commit``: inside the Nth commit, once all its rows and its done mark are written but
    before ``COMMIT`` runs (the transaction must roll back);
    ``before-results``: when the results are about to be written, every chunk stored (``N`` is
    not used; ``cli`` only);
    ``never``: no signal.
``COMMAND``
    ``cli ARGS...``: what ``python -m peninsula.cli.scale ARGS...`` runs;
    ``writer STORE EXECUTOR WORKERS``: the small flagship of the scale tests (``scale_helpers``'
    sizes, the ``identity`` fixture's run) into the chunk store ``STORE`` through
    ``run_ensemble_parallel``; Ctrl-C prints the runner's message and exits 130.
"""

from __future__ import annotations

import contextlib
import faulthandler
import os
import signal
import sys

HUNG_AFTER = 100
"""Seconds after which the child dumps its threads' stacks and exits (the tests wait 120)."""

POINTS = ("before-commit", "after-commit", "waiting", "in-commit", "before-results", "never")


class Stop:
    """Sends this process ``SIG<signame>`` at ``point`` of the ``nth`` commit, once installed."""

    def __init__(self, signame: str, point: str, nth: int):
        if point not in POINTS:
            raise SystemExit(f"stop_at: unknown point {point!r}; expected one of {POINTS}")
        self.signame, self.point, self.nth = signame, point, nth
        self.commits = 0
        self.armed = False  # inside the nth commit, when stopping there

    def stop(self, point: str, when: bool = True) -> None:
        """Send the signal, if this is the point (and ``when``)."""
        if point == self.point and when:
            print(f"stop_at: SIG{self.signame} {self.point} {self.nth}", file=sys.stderr,
                  flush=True)
            os.kill(os.getpid(), getattr(signal, f"SIG{self.signame}"))

    def install(self) -> None:
        """Wrap the store's commit and transaction, the executors' streams and the saving."""
        from peninsula.api import runs
        from peninsula.experiments import executors
        from peninsula.store import chunks

        chunks.transaction = self.transaction(chunks.transaction)  # looked up at each commit
        chunks.ChunkStore.commit = self.commit(chunks.ChunkStore.commit)
        runs.save_run_folder = self.save(runs.save_run_folder)  # looked up by run_chunked
        for kind in (executors.LocalExecutor, executors.ProcessExecutor,
                     executors.DaskExecutor):
            kind.map_unordered = self.stream(kind.map_unordered)

    def transaction(self, transaction):
        @contextlib.contextmanager
        def stopping_transaction(con):
            with transaction(con):
                yield con
                # the chunk's rows and done mark are written, COMMIT is next
                self.stop("in-commit", self.armed)

        return stopping_transaction

    def commit(self, commit):
        def stopping_commit(store, chunk_id, tables):
            self.commits += 1
            this = self.commits == self.nth
            self.stop("before-commit", this)
            self.armed = this
            try:
                commit(store, chunk_id, tables)
            finally:
                self.armed = False
            self.stop("after-commit", this)

        return stopping_commit

    def stream(self, map_unordered):
        def stopping_map_unordered(executor, fn, items):
            stream = map_unordered(executor, fn, items)
            try:
                while True:
                    self.stop("waiting", self.commits == self.nth)
                    try:
                        pair = next(stream)
                    except StopIteration:
                        return
                    yield pair
            finally:
                stream.close()

        return stopping_map_unordered

    def save(self, save):
        def stopping_save(*args, **kwargs):
            self.stop("before-results")
            return save(*args, **kwargs)

        return stopping_save


def writer(store: str, executor: str, workers: str) -> int:
    """The small flagship into a chunk store; 130 after Ctrl-C (the message on stderr)."""
    from scale_helpers import CHUNK, FUTURES, MONTHS, SEED

    from peninsula.engine.compiled import compile_scenario
    from peninsula.experiments.executors import make_executor
    from peninsula.experiments.parallel import Interrupted, run_ensemble_parallel, run_identity
    from peninsula.scenario.loading import load_scenario
    from peninsula.store.chunks import ChunkStore

    loaded = load_scenario("korea-2024")
    model = compile_scenario(loaded.scenario, horizon=MONTHS)
    ident = run_identity(scenario_sha256=loaded.sha256, seed=SEED, futures=FUTURES,
                         months=MONTHS, chunk_size=CHUNK, record_events=True)
    try:
        with ChunkStore(store, ident, resume=True) as st, \
                make_executor(executor, int(workers)) as ex:
            run_ensemble_parallel(model, FUTURES, SEED, executor=ex, chunk_size=CHUNK,
                                  store=st, record_events=True)
    except Interrupted as exc:
        print(exc, file=sys.stderr)
        return 130
    return 0


def main() -> None:
    """Install the stop, then run the command."""
    signame, point, nth, command, *args = sys.argv[1:]
    # a shell's background job (as CI may run the suite) starts with SIGINT ignored, and
    # Python then never raises KeyboardInterrupt: give this process the default handler
    signal.signal(signal.SIGINT, signal.default_int_handler)
    # a hung child prints every thread's stack and exits before the test's guard kills it,
    # so a failure says where it hung
    faulthandler.dump_traceback_later(HUNG_AFTER, exit=True)
    Stop(signame, point, int(nth)).install()
    if command == "writer":
        raise SystemExit(writer(*args))
    if command == "cli":
        from peninsula.cli import scale

        sys.argv = ["python -m peninsula.cli.scale", *args]
        scale.main()
        return
    raise SystemExit(f"stop_at: unknown command {command!r}")


if __name__ == "__main__":  # spawned workers import this file too: only the parent runs it
    main()
