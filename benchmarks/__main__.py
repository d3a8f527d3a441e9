import os
import sys

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.local")
from portal.embedded import ensure_database_url  # noqa: E402
from portal.testrun import ensure_database  # noqa: E402

ensure_database_url()
if os.environ.get("DATABASE_URL"):
    ensure_database(os.environ["DATABASE_URL"])  # a fresh server has only its own database

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402

from portal.health import migrations_pending  # noqa: E402

if migrations_pending():  # a fresh clone and database: the benchmarks need the tables
    print("make bench: migrating the database first", file=sys.stderr)
    call_command("migrate", interactive=False, verbosity=0)

from benchmarks import (  # noqa: E402
    REGISTRY,
    Result,
    as_json,
    billing_pdf,  # noqa: E402,F401
    billing_run,  # noqa: E402,F401
    catalogue,  # noqa: E402,F401  (registers its benchmarks)
    customers,  # noqa: E402,F401
    documents_throughput,  # noqa: E402,F401
    pages,  # noqa: E402,F401
    renewals,  # noqa: E402,F401
    table,
    vouchers_orders,  # noqa: E402,F401
    vouchers_pdf,  # noqa: E402,F401
)


def main(args: list[str]) -> int:
    json_path = None
    if "--json" in args:  # --json FILE: the same rows as JSON, to compare runs
        at = args.index("--json")
        json_path = args[at + 1] if at + 1 < len(args) else "-"
        args = args[:at] + args[at + 2:]
    names = args
    unknown = set(names) - set(REGISTRY)
    if unknown:
        print(f"unknown benchmark(s): {', '.join(sorted(unknown))}; known: {', '.join(REGISTRY)}", file=sys.stderr)
        return 2
    results = []
    for name in names or REGISTRY:
        try:
            outcome = REGISTRY[name]()
        except Exception as error:  # one broken benchmark is a marked row, not a lost table
            outcome = Result(name, 0, "", 0.0, failed=f"{type(error).__name__}: {error}"[:120])
        outcome = outcome if isinstance(outcome, list) else [outcome]
        print(table(outcome), file=sys.stderr, flush=True)  # as it goes: a long run shows its rows early
        results += outcome
    print(table(results))
    if json_path == "-":
        print(as_json(results))
    elif json_path:
        with open(json_path, "w") as out:
            out.write(as_json(results))
    return 1 if any(r.failed for r in results) else 0


sys.exit(main(sys.argv[1:]))
