"""Start the portal's processes. One definition, used by `make run` and by docker-compose.yml.

    python -m portal.serve all      # make run: set up, then web + worker + beat; Ctrl-C stops all
    python -m portal.serve web      # gunicorn           (compose service "web")
    python -m portal.serve worker   # Celery worker      (compose services "worker", "worker-mail", "worker-documents")
    python -m portal.serve beat     # Celery beat        (compose service "beat")
    python -m portal.serve setup    # migrate, compile translations, load demo data

Without DATABASE_URL, `all` starts the embedded PostgreSQL (portal.embedded) and hands its URL
to the children; without REDIS_URL the broker is kombu's filesystem transport in .local/broker.

A worker consumes every queue (settings.CELERY_TASK_QUEUES: default, documents, mail) unless
PORTAL_WORKER_QUEUES names some (comma-separated): on several machines, a worker per kind of work.
PORTAL_WORKER_CONCURRENCY sets its processes (default 2).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

from portal.embedded import LOCAL_DIR, ensure_database_url

ROLES: dict[str, list[str]] = {
    "web": ["gunicorn", "portal.wsgi:application", "--config", "python:portal.gunicorn_conf"],
    "worker": ["celery", "-A", "portal", "worker", "--loglevel", "INFO", "--concurrency", "2"],
    "beat": ["celery", "-A", "portal", "beat", "--loglevel", "INFO"],
}
ROOT = Path(__file__).resolve().parent.parent


def _bin(name: str) -> str:
    local = Path(sys.executable).with_name(name)
    return str(local) if local.exists() else name


def _manage(*args: str) -> None:
    subprocess.run([sys.executable, str(ROOT / "manage.py"), *args], check=True, cwd=ROOT)


SETUP_LOCK = 7_366_101  # pg_advisory_lock key: one set-up at a time per database


@contextmanager
def _setup_turn():
    """Web replicas starting together set up one after another (two `migrate` at once could both
    apply the same migration): each waits for a PostgreSQL advisory lock, held while it sets up."""
    url = os.environ.get("DATABASE_URL")
    if not url:
        yield
        return
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("SELECT pg_advisory_lock(%s)", (SETUP_LOCK,))
        yield  # the lock ends with the connection


def setup(*, demo: bool) -> None:
    (LOCAL_DIR / "broker" / "queue").mkdir(parents=True, exist_ok=True)
    (LOCAL_DIR / "broker" / "control").mkdir(parents=True, exist_ok=True)
    with _setup_turn():
        _setup(demo=demo)


def _setup(*, demo: bool) -> None:
    _manage("migrate", "--noinput")
    if shutil.which("msgfmt"):
        _manage("compilemessages", "--ignore", ".venv", "-v", "0")
    else:
        print("msgfmt (gettext) not found: the interface stays in English", file=sys.stderr)
    if demo:
        _manage("seed_demo", *(["--production"] if _production() else []))


def _production() -> bool:
    return os.environ.get("DJANGO_SETTINGS_MODULE", "").endswith("production")


def run_role(role: str) -> None:
    if os.environ.get("PORTAL_SETUP_ON_START") == "1":
        # Demo data only when asked for (PORTAL_DEMO_DATA=1); with production settings its password is random.
        setup(demo=os.environ.get("PORTAL_DEMO_DATA") == "1")
    elif os.environ.get("PORTAL_CHECKED") != "1":
        _manage("check")  # the system checks (B-2's registration number …): refuse to start on an error
    if role == "web" and _production():
        # A public port never serves an account with the published demo password.
        try:
            _manage("check_demo_passwords")
        except subprocess.CalledProcessError:
            sys.exit("Partner Portal: refusing to start (see above).")
    command = role_command(role)
    os.execvp(_bin(command[0]), [_bin(command[0]), *command[1:]])  # noqa: S606 (fixed argv, no shell)


def role_command(role: str) -> list[str]:
    """ROLES[role], with a worker's queues and concurrency from the environment (see above)."""
    command = list(ROLES[role])
    if role == "worker":
        if concurrency := os.environ.get("PORTAL_WORKER_CONCURRENCY"):
            command[command.index("--concurrency") + 1] = str(int(concurrency))
        if queues := os.environ.get("PORTAL_WORKER_QUEUES"):
            command += ["--queues", ",".join(queue.strip() for queue in queues.split(",") if queue.strip())]
    return command


def run_all() -> int:
    ensure_database_url()  # this process holds the embedded server; children inherit the URL
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.local")
    setup(demo=True)  # migrate has run the system checks
    os.environ["PORTAL_CHECKED"] = "1"
    supervisor = Supervisor({role: [sys.executable, "-m", "portal.serve", role] for role in ROLES})
    print("\nPartner Portal: http://127.0.0.1:8000  (Ctrl-C stops web, worker, beat and the database)\n",
          flush=True)
    signal.signal(signal.SIGINT, supervisor.stop)
    signal.signal(signal.SIGTERM, supervisor.stop)
    supervisor.run()
    return 0


class Supervisor:
    """Keeps `make run`'s processes up: a child that dies (a crashed worker, an out-of-memory
    kill) is logged and started again after a pause that doubles with each quick death (1 s, 2 s,
    4 s … at most MAX_BACKOFF), so the others keep serving. Ctrl-C stops them all."""

    MAX_BACKOFF = 60.0
    HEALTHY_AFTER = 60.0  # a child that ran this long starts again from the shortest pause

    def __init__(self, commands: dict[str, list[str]], *, log=None):
        self.commands = commands
        self.log = log or (lambda line: print(line, file=sys.stderr, flush=True))
        self.children: dict[str, subprocess.Popen] = {}
        self.started: dict[str, float] = {}
        self.backoff: dict[str, float] = {}
        self.restart_at: dict[str, float] = {}
        self.restarts: dict[str, int] = {name: 0 for name in commands}
        self.stopping = False

    def start(self, name: str) -> None:
        self.children[name] = subprocess.Popen(self.commands[name], cwd=ROOT)
        self.started[name] = time.monotonic()

    def stop(self, *_args) -> None:
        self.stopping = True
        for child in self.children.values():
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)

    def check(self) -> None:
        """One round: note children that died, start the ones whose pause is over."""
        now = time.monotonic()
        for name, child in self.children.items():
            code = child.poll()
            if code is None or name in self.restart_at:
                continue
            quick = now - self.started[name] < self.HEALTHY_AFTER
            self.backoff[name] = min(self.backoff.get(name, 0.5) * 2, self.MAX_BACKOFF) if quick else 1.0
            self.restart_at[name] = now + self.backoff[name]
            self.log(f"portal.serve: {name} exited with status {code}; starting it again in "
                     f"{self.backoff[name]:g} s")
        for name, when in list(self.restart_at.items()):
            if now >= when and not self.stopping:
                del self.restart_at[name]
                self.restarts[name] += 1
                self.start(name)

    def run(self, *, until=None) -> None:
        """Start every child and look after them until stopped (or `until()` is true: tests)."""
        for name in self.commands:
            self.start(name)
        while not self.stopping and not (until and until()):
            self.check()
            time.sleep(0.2)
        self.stop()
        for child in self.children.values():
            try:
                child.wait(timeout=20)
            except subprocess.TimeoutExpired:
                child.kill()


def main(argv: list[str]) -> int:
    role = argv[1] if len(argv) > 1 else "all"
    if role not in (*ROLES, "all", "setup"):
        print(f"usage: python -m portal.serve [all|setup|{'|'.join(ROLES)}]", file=sys.stderr)
        return 2
    try:
        if role == "all":
            return run_all()
        if role == "setup":
            ensure_database_url()
            setup(demo=True)
            return 0
        run_role(role)
    except subprocess.CalledProcessError as failed:  # manage.py has said why (a system check, …)
        print(f"portal.serve {role}: not started ({' '.join(failed.cmd[2:])} failed)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
