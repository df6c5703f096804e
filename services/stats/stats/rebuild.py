"""`python -m stats.rebuild`: rebuild every statistic from the beginning of the topics into fresh
tables and switch over, while the service keeps running. Reads the service's STATS_* settings."""

import asyncio
import gc

from leisure_runtime.logging import configure_logging
from stats.adapters.rebuild import rebuild
from stats.settings import StatsSettings


def main() -> None:
    settings = StatsSettings.for_service("stats")
    configure_logging(settings.service_name, settings.log_level)
    gc.freeze()  # what is loaded by now lives to the end: the collector need not walk it again and again
    summary = asyncio.run(rebuild(settings))
    print(f"rebuilt from {summary.events_read} events ({summary.events_applied} applied, "
          f"{summary.unreadable} unreadable, {summary.read_during_switch_over} read during the switch-over)")


if __name__ == "__main__":
    main()
