"""Running the console script on hostile input and measuring what it costs.

The bounds of issue "bad input gets a clear error": a single bad file is answered within
20 s (60 s for a 50 MB map), with peak memory under 1.5 GB and output under 64 kB, exit
code 2, no traceback, and nothing written.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

SCRIPT = Path(sys.executable).parent / "tieredcare"
SECONDS = 20.0
"""Longest answer to one bad file."""
MAP_SECONDS = 60.0
"""Longest answer to a bad 50 MB map."""
PEAK_BYTES = 1.5 * 2**30
"""Most memory one answer may take (peak resident set)."""
OUTPUT_BYTES = 64 * 1024
"""Most output (stdout + stderr) one answer may print."""


@dataclass(frozen=True)
class Answer:
    """What the console script did with one input.

    Attributes:
        code: Exit code (-9 if it was killed for taking too long).
        stdout: Standard output.
        stderr: Standard error.
        seconds: Wall time.
        peak_bytes: Peak resident memory of the process.
    """

    code: int
    stdout: str
    stderr: str
    seconds: float
    peak_bytes: int

    @property
    def output_bytes(self) -> int:
        """Bytes printed, stdout and stderr together."""
        return len(self.stdout.encode("utf-8")) + len(self.stderr.encode("utf-8"))

    def is_clear_rejection(self, seconds: float = SECONDS) -> bool:
        """Exit 2, a message, no traceback, and within the time, memory and output bounds."""
        return not self.problems(seconds)

    def problems(self, seconds: float = SECONDS) -> list[str]:
        """Which bounds of a clear rejection this answer breaks."""
        found = []
        if self.code != 2:
            found.append(f"exit code {self.code}, expected 2")
        if "Traceback" in self.stdout + self.stderr:
            found.append("printed a traceback")
        if not self.stderr.strip():
            found.append("printed no message")
        if self.seconds > seconds:
            found.append(f"took {self.seconds:.1f} s (limit {seconds:.0f} s)")
        if self.peak_bytes > PEAK_BYTES:
            found.append(f"peak memory {self.peak_bytes / 2**20:.0f} MiB")
        if self.output_bytes > OUTPUT_BYTES:
            found.append(f"printed {self.output_bytes} bytes")
        return found


def answer(*args: str | Path, cwd: Path, timeout: float = 3 * MAP_SECONDS) -> Answer:
    """Run ``tieredcare *args`` in ``cwd`` and measure time, peak memory and output.

    Output goes to temporary files (not pipes), so a flood of output cannot block the
    child; ``os.wait4`` gives the child's own peak memory.
    """
    env = {**os.environ, "COLUMNS": "200", "PYTHONWARNINGS": "default"}
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen([str(SCRIPT), *map(str, args)], cwd=cwd, env=env,
                                stdout=out, stderr=err, stdin=subprocess.DEVNULL)
        deadline = start + timeout
        status, usage = 0, None
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                proc.kill()
                _, status, usage = os.wait4(proc.pid, 0)
                break
            time.sleep(0.02)
        proc.returncode = os.waitstatus_to_exitcode(status)  # already reaped
        seconds = time.perf_counter() - start
        out.seek(0)
        err.seek(0)
        return Answer(proc.returncode, _text(out.read()), _text(err.read()), seconds,
                      usage.ru_maxrss * 1024)


def _text(data: bytes) -> str:
    return data.decode("utf-8", errors="replace")


def snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    """Every file and folder under ``folder``: relative path → (size, modification time)."""
    found = {}
    for path in sorted(folder.rglob("*")):
        info = path.lstat()
        found[str(path.relative_to(folder))] = (info.st_size if path.is_file() else -1,
                                                info.st_mtime_ns)
    return found
