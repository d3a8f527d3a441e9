"""The repository's contracts: migrations committed, lint clean, translations present, the compose
file runs the same processes as `make run`."""

import os
import subprocess
import sys
from pathlib import Path

import polib
import yaml

from portal.serve import ROLES

ROOT = Path(__file__).resolve().parents[1]
LANGUAGES = ["en", "ja", "fr", "sv"]


def test_migrations_are_committed(db):
    result = subprocess.run([sys.executable, "manage.py", "makemigrations", "--check", "--dry-run"], cwd=ROOT,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_is_clean():
    result = subprocess.run([sys.executable, "-m", "ruff", "check", "."], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout


def test_u2_translations_exist_for_every_language_and_are_complete():
    for language in LANGUAGES:
        po = ROOT / "locale" / language / "LC_MESSAGES" / "django.po"
        assert po.exists(), po
        entries = [e for e in polib.pofile(str(po)) if not e.obsolete]
        assert len(entries) > 100
        if language != "en":
            untranslated = [e.msgid for e in entries if not e.translated() or "fuzzy" in e.flags]
            assert untranslated == [], f"{language}: {untranslated[:5]}"


def test_u5_compose_runs_postgres_redis_web_worker_beat_with_the_projects_commands():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    workers = {"worker", "worker-mail", "worker-documents"}
    assert set(services) == {"postgres", "redis", "proxy", "web", "beat", *workers}
    for name in ("web", "beat", *workers):
        role = "worker" if name in workers else name
        assert services[name]["command"] == ["python", "-m", "portal.serve", role]
        assert role in ROLES
        env = services[name]["environment"]
        assert env["DATABASE_URL"].startswith("postgres://") and env["REDIS_URL"].startswith("redis://")
    assert services["web"]["environment"]["PORTAL_SETUP_ON_START"] == "1"
    assert ROLES["web"][0] == "gunicorn" and ROLES["worker"][:4] == ["celery", "-A", "portal", "worker"]
    dockerfile = (ROOT / "Dockerfile").read_text()
    for package in ("libpango-1.0-0", "libharfbuzz-subset0", "fonts-noto-cjk", "gettext"):
        assert package in dockerfile


def test_scale_out_compose_has_replicas_behind_a_proxy_a_worker_per_queue_and_one_beat(settings):
    """Web and document workers scale by replicas; every queue a task is routed to has a worker,
    in compose and in `make run` (whose worker, like the tests' workers, takes every queue)."""
    from portal.celery import app

    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    assert services["web"]["deploy"]["replicas"] >= 2 and services["worker-documents"]["deploy"]["replicas"] >= 2
    assert "ports" not in services["web"] and services["proxy"]["ports"] == ["8000:8000"]
    assert services["web"]["environment"]["PORTAL_PROXY_PROTOCOL"] == "v1"
    nginx = (ROOT / "deploy" / "nginx.conf").read_text()
    assert "server web:8000;" in nginx and "proxy_protocol on;" in nginx
    assert services["beat"].get("deploy", {}).get("replicas", 1) == 1
    assert services["web"]["volumes"] == services["worker-documents"]["volumes"] == ["media:/app/.local/media"]
    consumed = {name: services[name]["environment"]["PORTAL_WORKER_QUEUES"]
                for name in ("worker", "worker-mail", "worker-documents")}
    assert consumed == {"worker": "default", "worker-mail": "mail", "worker-documents": "documents"}
    app.loader.import_default_modules()  # every app's tasks module, as a worker loads them
    routed = {app.amqp.router.route({}, task)["queue"].name for task in app.tasks if not task.startswith("celery.")}
    assert routed == {"default", "documents", "mail"} == set(consumed.values()) == set(settings.CELERY_TASK_QUEUES)
    assert "--queues" not in ROLES["worker"] and "-Q" not in ROLES["worker"]  # make run: every queue
    documents = {task for task in app.tasks if app.amqp.router.route({}, task)["queue"].name == "documents"}
    assert documents == {"billing.tasks.share_invoice_documents", "billing.tasks.render_and_mail_invoices",
                         "billing.tasks.build_invoice_document", "billing.tasks.build_quote_pdf",
                         "vouchers.tasks.build_order_pdf"}  # every task that lays out a PDF


def test_benchmark_runner_prints_a_table(test_database_url):
    # The benchmark works in a transaction it rolls back, in this run's (migrated) test database.
    result = subprocess.run([sys.executable, "-m", "benchmarks", "pricing"], cwd=ROOT, capture_output=True,
                            text=True, env={**os.environ, "DJANGO_SETTINGS_MODULE": "portal.settings.test",
                                            "DATABASE_URL": test_database_url})
    assert result.returncode == 0, result.stderr
    header, rule, row = result.stdout.splitlines()
    assert header.split(" | ")[0].strip() == "operation" and "rate" in header
    assert row.startswith("pricing service (P-3 line price)") and "100,000 lines" in row


def test_system_deps_never_calls_apt_get_when_everything_is_installed(tmp_path):
    # Both make commands run the check on every start; a false "missing" would reach for the network.
    calls = tmp_path / "calls"
    for name in ("apt-get", "sudo"):
        fake = tmp_path / name
        fake.write_text(f'#!/bin/sh\necho "{name} $*" >> {calls}\nexit 1\n')
        fake.chmod(0o755)
    env = {**os.environ, "PATH": f"{tmp_path}:{os.environ['PATH']}"}
    for _ in range(10):
        result = subprocess.run(["scripts/system-deps.sh", "--with-browser"], cwd=ROOT, env=env, capture_output=True,
                                text=True)
        assert (result.returncode, calls.exists()) == (0, False), result.stdout + result.stderr


def test_readme_make_bench_works_on_a_fresh_database(test_database_url):
    """Item 8: `make bench` on a database nobody has migrated (nor created) migrates it first."""
    import psycopg
    from django.db import connection

    from portal.dburl import url_with_database

    name = connection.settings_dict["NAME"] + "_bench_fresh"  # this run's own, beside its test database
    maintenance = url_with_database(test_database_url, "postgres")
    with psycopg.connect(maintenance, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
    try:
        result = subprocess.run([sys.executable, "-m", "benchmarks", "pricing"], cwd=ROOT, capture_output=True,
                                text=True, env={**os.environ, "DJANGO_SETTINGS_MODULE": "portal.settings.local",
                                                "DATABASE_URL": url_with_database(test_database_url, name)})
        assert result.returncode == 0, result.stderr
        assert "migrating the database first" in result.stderr
        assert result.stdout.splitlines()[2].startswith("pricing service (P-3 line price)")
    finally:
        with psycopg.connect(maintenance, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_database_urls_are_parsed_never_cut():
    """A child process's DATABASE_URL comes from portal.dburl (parsed): cutting the string at its
    last "/" drops the embedded server's socket folder (`…/portal?host=<dir>/.local/pgdata`)."""
    offenders = [str(path.relative_to(ROOT)) for folder in ("portal", "tests", "benchmarks", "billing", "vouchers",
                                                             "customers", "renewals")
                 for path in (ROOT / folder).rglob("*.py")
                 if path != Path(__file__) and "DATABASE_URL" in (text := path.read_text()) and 'rsplit("/"' in text]
    assert offenders == []
