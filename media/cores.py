"""How many CPU cores this process may use (its affinity, not the machine's core count).

A scheduled job in a small VM or a container pinned with ``taskset``/cgroups sees the host's
cores in ``os.cpu_count()`` but may run on one: the encode's output check runs on a second core
in parallel only when there is one.
"""

from __future__ import annotations

import os


def available_cores() -> int:
    """Return the number of cores this process may run on (at least 1).

    ``os.sched_getaffinity`` where the platform has it (Linux); elsewhere ``os.cpu_count()``.
    ``KOTOCAST_CORES`` overrides both (benchmarks and tests).
    """
    override = os.environ.get("KOTOCAST_CORES", "").strip()
    if override.isdigit() and int(override) > 0:
        return int(override)
    getaffinity = getattr(os, "sched_getaffinity", None)
    if getaffinity is not None:
        try:
            return max(1, len(getaffinity(0)))
        except OSError:
            pass
    return max(1, os.cpu_count() or 1)
