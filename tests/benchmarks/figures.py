"""One row of the benchmark table, and the table as printed and as JSON."""

import json
import os
import platform
import subprocess
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path

import psutil


@dataclass
class Figure:
    name: str
    unit: str
    ours: float | None
    baseline: float | None = None
    target: str = ""
    note: str = ""

    @property
    def ratio(self) -> float | None:
        if self.ours is None or not self.baseline:
            return None
        return self.ours / self.baseline


def cpu_seconds(pids: list[int]) -> float:
    """User and system CPU the processes have used so far: over a span of wall time, how many
    cores they kept busy, which says whether a process or the machine was the limit."""
    return sum(sum(psutil.Process(pid).cpu_times()[:2]) for pid in pids)


def load_average() -> str:
    """The machine's one-minute load: other work on a shared machine takes cores from the benchmark."""
    return f"load average {os.getloadavg()[0]:.1f}"


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor() or "unknown CPU")
    memory = psutil.virtual_memory().total / 2**30
    return f"{psutil.cpu_count()} cores ({cpu}), {memory:.0f} GiB, {platform.system()} {platform.release()}"


def _number(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}"


def table(figures: list[Figure]) -> str:
    rows = [("figure", "ours", "baseline", "ratio", "target", "note")]
    for f in figures:
        rows.append((f"{f.name} ({f.unit})", _number(f.ours), _number(f.baseline),
                     "—" if f.ratio is None else f"{f.ratio:.2f}", f.target, f.note))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["| " + " | ".join(cell.ljust(width) for cell, width in zip(row, widths)) + " |" for row in rows]
    lines.insert(1, "| " + " | ".join("-" * width for width in widths) + " |")
    return "\n".join(lines)


def write_json(figures: list[Figure], directory: Path, started: datetime, parameters: dict) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    document = {
        "started": started.isoformat(), "finished": datetime.now(timezone.utc).isoformat(),
        "commit": commit or None, "machine": machine(), "parameters": parameters,
        "figures": [asdict(f) | {"ratio": f.ratio} for f in figures],
    }
    path = directory / f"bench-{started:%Y%m%dT%H%M%SZ}.json"
    path.write_text(json.dumps(document, indent=2) + "\n")
    (directory / "bench-latest.json").write_text(path.read_text())
    return path
