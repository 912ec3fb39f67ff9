"""Timing helpers shared by the bench runner and its operations."""

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_child(*args):
    """Run ``bench.child`` with ``args``; return (wall seconds, the child's peak RSS in MB
    as it measured it, its JSON)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        process = subprocess.Popen(
            [sys.executable, "-m", "bench.child", *map(str, args)], cwd=ROOT, stdout=out,
            stderr=err, env=os.environ,
        )
        _pid, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        out.seek(0)
        err.seek(0)
        lines = out.read().decode().strip().splitlines()
        if status != 0 or not lines:
            raise RuntimeError(f"bench.child {args} failed: {err.read().decode()[-2000:]}")
        data = json.loads(lines[-1])
        return seconds, data.get("peak_mb", usage.ru_maxrss / 1024), data


class Result:
    def __init__(self, name, target=None, note=""):
        self.name = name
        self.target = target  # seconds, or None
        self.times = []
        self.note = note
        self.extra = {}
        self.skipped = None

    def summary(self):
        if self.skipped:
            return {"name": self.name, "skipped": self.skipped}
        data = {
            "name": self.name, "runs": len(self.times),
            "min": min(self.times), "median": statistics.median(self.times),
            "max": max(self.times), "target": self.target, **self.extra,
        }
        if self.target is not None:
            data["meets_target"] = data["median"] <= self.target
        if self.note:
            data["note"] = self.note
        return data


def timed(result, runs, function, before=None):
    """Time ``function`` ``runs`` times, ``before`` (untimed) ahead of each run."""
    for _ in range(runs):
        if before:
            before()
        started = time.perf_counter()
        function()
        result.times.append(time.perf_counter() - started)
    return result


def get_ok(client, url):
    """A request of ``url`` by ``client`` to time, which must answer 200."""
    def request():
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        return response

    return request
