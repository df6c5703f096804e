"""A rebuild's worker process ends when the rebuild that started it is killed, instead of reading
on to the ends of its partitions beside the next rebuild."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

REBUILD = '''
import multiprocessing, os, time
from stats.adapters.rebuild import stop_with_rebuild

def worker(rebuild_pid):
    stop_with_rebuild(rebuild_pid)
    time.sleep(120)

if __name__ == "__main__":
    filling = multiprocessing.get_context("spawn").Process(target=worker, args=(os.getpid(),))
    filling.start()
    time.sleep(1)  # the worker has started watching by then
    print(filling.pid, flush=True)
    time.sleep(120)
'''


def running(pid: int) -> bool:
    try:
        state = next(line for line in Path(f"/proc/{pid}/status").read_text().splitlines()
                     if line.startswith("State:"))
    except FileNotFoundError:
        return False
    return " Z " not in state and "zombie" not in state


def test_a_worker_stops_when_its_rebuild_is_killed(tmp_path):
    script = tmp_path / "rebuild.py"
    script.write_text(REBUILD)
    rebuild = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    worker = int(rebuild.stdout.readline())
    try:
        assert running(worker)

        rebuild.send_signal(signal.SIGKILL)
        rebuild.wait()
        deadline = time.monotonic() + 10
        while running(worker) and time.monotonic() < deadline:
            time.sleep(0.1)

        assert not running(worker)
    finally:
        if running(worker):
            os.kill(worker, signal.SIGKILL)
