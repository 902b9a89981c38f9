"""The HTTP side of the harness: gunicorn serving the app (bench.settings), and a load generator —
wrk (Debian package `wrk`) when it is installed, else a small threaded Python client."""

import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from http.client import HTTPConnection
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

WRK_SCRIPT = """
done = function(summary, latency, requests)
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "status_errors": %d, "socket_errors": %d,'
    .. ' "p50_us": %d, "p95_us": %d, "p99_us": %d, "mean_us": %f}\\n',
    summary.requests, summary.duration, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.mean))
end
"""


@dataclass
class Load:
    requests: int
    seconds: float
    errors: int
    p50_ms: float
    p95_ms: float
    mean_ms: float

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """gunicorn with sync workers on a free port of 127.0.0.1, the benchmark settings and database."""

    def __init__(self, *, workers: int = 3) -> None:
        self.port = _free_port()
        self.workers = workers
        self.process: subprocess.Popen | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> "Server":
        gunicorn = Path(sys.executable).with_name("gunicorn")
        env = dict(os.environ, DJANGO_SETTINGS_MODULE="bench.settings", PYTHONPATH=str(ROOT))
        self.process = subprocess.Popen(  # noqa: S603 (fixed argument list)
            [
                str(gunicorn),
                "config.wsgi:application",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                str(self.workers),
                "--log-level",
                "warning",
                "--timeout",
                "120",
            ],
            cwd=ROOT,
            env=env,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("gunicorn exited at start-up")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    break
            except OSError:
                time.sleep(0.3)
        else:
            raise RuntimeError("gunicorn did not start within 60 s")
        return self

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def __enter__(self) -> "Server":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def fetch(url: str, headers: dict[str, str]) -> tuple[int, bytes]:
    """One GET (status and body), for checking an endpoint before loading it."""
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 (http://127.0.0.1 only)
    try:
        with urllib.request.urlopen(request, timeout=120) as response:  # noqa: S310
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def wrk_available() -> bool:
    return shutil.which("wrk") is not None


def load(url: str, headers: dict[str, str], *, seconds: float, connections: int) -> Load:
    """Requests `url` over `connections` connections for `seconds`."""
    if wrk_available():
        outcome = _wrk(url, headers, seconds=seconds, connections=connections)
        if outcome.requests:
            return outcome
        # wrk counts only the requests that complete within its duration: a response slower than
        # the whole run would read as "p95 0 ms". The Python client lets each connection finish the
        # request it started, so the latency measured is the real one.
    return _python(url, headers, seconds=seconds, connections=connections)


def _wrk(url: str, headers: dict[str, str], *, seconds: float, connections: int) -> Load:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(WRK_SCRIPT)
    try:
        command = [
            "wrk",
            "-t1",
            f"-c{connections}",
            f"-d{max(1, round(seconds))}s",
            "--timeout",
            "30s",
            "-s",
            script.name,
        ]
        for name, value in headers.items():
            command += ["-H", f"{name}: {value}"]
        output = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout  # noqa: S603
    finally:
        os.unlink(script.name)
    summary = json.loads(output.strip().splitlines()[-1])
    return Load(
        requests=summary["requests"],
        seconds=summary["duration_us"] / 1e6,
        errors=summary["status_errors"] + summary["socket_errors"],
        p50_ms=summary["p50_us"] / 1000,
        p95_ms=summary["p95_us"] / 1000,
        mean_ms=summary["mean_us"] / 1000,
    )


def _python(url: str, headers: dict[str, str], *, seconds: float, connections: int) -> Load:
    """The fallback load generator: one thread per connection, each sending GETs back to back."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop_at = time.perf_counter() + seconds

    def worker() -> None:
        mine, failed = [], 0
        connection = HTTPConnection(parts.hostname, parts.port, timeout=30)
        while time.perf_counter() < stop_at:
            started = time.perf_counter()
            try:
                connection.request("GET", path, headers=headers)
                response = connection.getresponse()
                response.read()
                if response.status >= 400:
                    failed += 1
                if response.getheader("connection", "").lower() == "close":
                    connection.close()
            except OSError:
                failed += 1
                connection.close()
            mine.append(time.perf_counter() - started)
        connection.close()
        with lock:
            latencies.extend(mine)
            errors[0] += failed

    started = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    ordered = sorted(latencies) or [0.0]
    return Load(
        requests=len(latencies),
        seconds=elapsed,
        errors=errors[0],
        p50_ms=statistics.median(ordered) * 1000,
        p95_ms=ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))] * 1000,
        mean_ms=statistics.fmean(ordered) * 1000,
    )
