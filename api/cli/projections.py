"""`registry projections rebuild|retry|run`: the read models, rebuilt from the whole log, their parked events tried
again, or kept current by a process of their own."""

from __future__ import annotations

import argparse
import sys
import time

from api.cli.common import open_parts


def projections_rebuild(_: argparse.Namespace) -> int:
    """Empties every read model and rebuilds it from the whole log."""
    from projections.log import LogMismatch

    with open_parts() as parts:
        views = parts.views
        started = time.monotonic()
        try:
            count = views.rebuild()
        except LogMismatch as e:
            print(f"registry: {e}", file=sys.stderr)
            return 1
        kept = len(views.log.checkpoints())
        print(f"rebuilt {views.projection.name} and {views.log.name} from {count} events in "
              f"{time.monotonic() - started:.2f} s; position {views.position()} of {views.head()}; the tree "
              f"reproduces all {kept} signed checkpoints")
        held, parked = views.public.parked_count()
        if held:
            print(f"registry: {parked} events of {held} records could not be taken and are parked (the log says "
                  "which, as critical; so does /api/v1/health to staff)", file=sys.stderr)
    return 0


def projections_retry(_: argparse.Namespace) -> int:
    """Tries the parked events again (once their cause is removed): at once when no process keeps the read models,
    else that process does, within seconds. Exits 1 while any record stays held."""
    from projections.runner import Runner

    with open_parts() as parts:
        views = parts.views
        with views.exclusive(wait=False) as mine:
            if mine:
                released, held = views.retry_parked()
                print(f"records released: {released}; still held: {held}")
                for parked in views.public.parked():
                    if parked.held_behind is None:
                        print(f"registry: log position {parked.position} ({parked.topic} of {parked.record} "
                              f"{parked.record_id}): {parked.error}: {parked.message}", file=sys.stderr)
                return 1 if held else 0
        held = views.public.request_retry()
        print(f"records held: {held}; the process keeping the read models tries them again within "
              f"{Runner.RETRY_CHECK:g} s (/api/v1/health says how many stay held)")
        return 0


def projections_run(_: argparse.Namespace) -> int:
    """Keeps the read models current until interrupted (for deployments that run them apart from the API)."""
    from projections.runner import Runner

    with open_parts() as parts:
        runner = Runner(parts.views).start()
        try:
            while runner.running:
                time.sleep(0.5)
        except KeyboardInterrupt:
            pass
        finally:
            runner.stop()
    if runner.error is not None:
        print(f"registry: {runner.error}", file=sys.stderr)
        return 1
    return 0
