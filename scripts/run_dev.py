#!/usr/bin/env python
"""Start the web server, a Celery worker and Celery beat together; Ctrl-C stops all three.

The broker is kombu's filesystem transport under var/broker (no Redis needed on a laptop).
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from accounts.demo import DEMO_PASSWORD, DEMO_USERS  # noqa: E402

HOST, PORT = os.environ.get("HOST", "127.0.0.1"), os.environ.get("PORT", "8000")
PY = sys.executable
CELERY = str(Path(PY).with_name("celery"))


def main() -> int:
    (ROOT / "var" / "broker" / "queue").mkdir(parents=True, exist_ok=True)
    (ROOT / "var" / "broker" / "processed").mkdir(parents=True, exist_ok=True)
    (ROOT / "var" / "broker" / "control").mkdir(parents=True, exist_ok=True)
    commands = {
        "web": [PY, "manage.py", "runserver", f"{HOST}:{PORT}", "--noreload"],
        "worker": [CELERY, "-A", "config", "worker", "--pool=threads", "--concurrency=2", "--loglevel=INFO"],
        "beat": [CELERY, "-A", "config", "beat", "--loglevel=INFO"],
    }
    processes = {name: subprocess.Popen(cmd, cwd=ROOT) for name, cmd in commands.items()}
    time.sleep(2)
    print("\n" + "=" * 72)
    print(f"  大监督平台 is running at  http://{HOST}:{PORT}/")
    print(f"  API docs (Swagger UI):    http://{HOST}:{PORT}/api/docs/")
    print(f"  Demo logins (password for all: {DEMO_PASSWORD}):")
    for username, _role, _unit, _scope, description in DEMO_USERS:
        print(f"    {username:<16} {description}")
    print("  Press Ctrl-C to stop the web server, the worker and beat.")
    print("=" * 72 + "\n", flush=True)

    stopping = False

    def stop(*_args):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    exit_code = 0
    while not stopping:
        for name, process in processes.items():
            if process.poll() is not None:
                print(f"{name} exited with {process.returncode}; stopping the others.", flush=True)
                exit_code = process.returncode or 1
                stopping = True
        time.sleep(0.5)
    for process in processes.values():
        if process.poll() is None:
            process.terminate()
    for process in processes.values():
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
    return exit_code


if __name__ == "__main__":
    sys.exit(main())
