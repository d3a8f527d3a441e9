"""U-5 / issue 10 item 12: `make run` keeps serving when one of its processes dies: the dead child
is logged and started again, with a pause that grows, while the others run on."""

import signal
import sys
import threading
import time

from portal.serve import ROLES, Supervisor

SLEEPER = [sys.executable, "-c", "import time; time.sleep(60)"]
CRASHER = [sys.executable, "-c", "import sys; sys.exit(3)"]


def test_u5_a_killed_child_is_started_again_and_the_others_keep_running():
    lines = []
    supervisor = Supervisor({"web": SLEEPER, "worker": SLEEPER, "beat": SLEEPER}, log=lines.append)
    runner = threading.Thread(target=supervisor.run, kwargs={"until": lambda: supervisor.restarts["worker"] >= 1})
    runner.start()
    deadline = time.monotonic() + 10
    while len(supervisor.children) < 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    web, worker = supervisor.children["web"], supervisor.children["worker"]
    worker.send_signal(signal.SIGKILL)  # the OOM killer, or a crash
    runner.join(timeout=15)
    assert supervisor.restarts == {"web": 0, "worker": 1, "beat": 0}
    assert supervisor.children["worker"].pid != worker.pid and supervisor.children["web"] is web
    assert lines == ["portal.serve: worker exited with status -9; starting it again in 1 s"]
    assert all(child.poll() is not None for child in supervisor.children.values())  # then stopped together


def test_u5_a_child_that_keeps_crashing_waits_longer_each_time():
    lines = []
    supervisor = Supervisor({"worker": CRASHER}, log=lines.append)
    supervisor.run(until=lambda: supervisor.restarts["worker"] >= 2)
    pauses = [line.rsplit(" in ", 1)[1] for line in lines]
    assert pauses[:2] == ["1 s", "2 s"] and "exited with status 3" in lines[0]


def test_scale_out_a_worker_takes_every_queue_unless_told_which(monkeypatch):
    from portal.serve import role_command

    monkeypatch.delenv("PORTAL_WORKER_QUEUES", raising=False)
    monkeypatch.delenv("PORTAL_WORKER_CONCURRENCY", raising=False)
    assert role_command("worker") == ROLES["worker"]  # make run: default, documents and mail
    monkeypatch.setenv("PORTAL_WORKER_QUEUES", "documents, mail")
    monkeypatch.setenv("PORTAL_WORKER_CONCURRENCY", "4")
    command = role_command("worker")
    assert command[-2:] == ["--queues", "documents,mail"]
    assert command[command.index("--concurrency") + 1] == "4"
    assert role_command("web") == ROLES["web"]
