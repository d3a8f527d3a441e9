#!/usr/bin/env bash
# Mutation testing (cosmic-ray) of the money, date, billing and voucher rules: a bounded run, not
# part of `make test`. Mutants are made in a copy of the committed tree (never in the working
# tree), each judged by the tests that own its module, against a database of its own.
#
#   make mutation                  # every group below
#   make mutation ARGS="money"     # one group
#   MUTANTS=0 make mutation        # every mutant, not a sample (hours on this machine)
#
# The run is bounded twice: operators that only make noise are left out (see the filter below),
# and each group tests a fixed random sample of MUTANTS of its remaining mutants (default 40;
# the seed is fixed, so two runs of one tree test the same mutants).
# Prints each group's surviving mutants (cr-report) and writes the reports to
# test-artifacts/mutation/. Needs PostgreSQL like `make test`.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
PY="$ROOT/.venv/bin/python"
"$PY" -m pip install --quiet --disable-pip-version-check "cosmic-ray==8.7.0"
BIN="$ROOT/.venv/bin"

declare -A MODULES=(
  [money]="portal/money.py"
  [dates]="portal/dates.py"
  [tax]="billing/tax.py billing/services/ledger.py"
  [invoices]="billing/services/invoices.py billing/services/payments.py"
  [vouchers]="vouchers/services/orders.py vouchers/services/codes.py vouchers/services/redemption.py"
  [transitions]="portal/transitions.py"
)
declare -A TESTS=(
  [money]="tests/portal/test_money.py tests/billing/test_balance.py tests/vouchers/test_views.py::test_v7_cost_plus_tax_uses_the_partners_own_rate"
  [dates]="tests/portal/test_dates.py tests/vouchers/test_services_order.py tests/vouchers/test_services_redemption.py"
  [tax]="tests/billing/test_balance.py tests/billing/test_invoices.py tests/vouchers/test_services_order.py"
  [invoices]="tests/billing/test_invoices.py tests/billing/test_balance.py tests/billing/test_api.py"
  [vouchers]="tests/vouchers/test_services_order.py tests/vouchers/test_services_redemption.py"
  [transitions]="tests/portal/test_transitions.py tests/customers/test_services.py"
)
GROUPS_TO_RUN=("${@:-money dates tax invoices vouchers}")
read -r -a GROUPS_TO_RUN <<< "${GROUPS_TO_RUN[*]}"

WORK="$(mktemp -d /tmp/portal-mutation.XXXXXX)"
trap 'rm -rf "$WORK"' EXIT
git -C "$ROOT" archive HEAD | tar -x -C "$WORK"
OUT="$ROOT/test-artifacts/mutation"
mkdir -p "$OUT"

BASE_URL="$("$PY" -c 'import os; print(os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/portal"))')"
export DATABASE_URL="${BASE_URL%/*}/portal_mutation"
export DJANGO_SETTINGS_MODULE=portal.settings.test PORTAL_MEDIA_ROOT="$WORK/media"
(cd "$ROOT" && "$PY" -c 'import os, portal.testrun as t; t.ensure_database(os.environ["DATABASE_URL"])')

cd "$WORK"
for group in "${GROUPS_TO_RUN[@]}"; do
  modules=(${MODULES[$group]})
  config="$WORK/$group.toml"
  {
    echo "[cosmic-ray]"
    printf 'module-path = [%s]\n' "$(printf '"%s", ' "${modules[@]}" | sed 's/, $//')"
    echo "timeout = 120.0"
    echo "excluded-modules = []"
    echo "test-command = \"$PY -m pytest -x -q -p no:cacheprovider --reuse-db -m 'not browser' ${TESTS[$group]}\""
    echo "[cosmic-ray.distributor]"
    echo 'name = "local"'
    echo "[cosmic-ray.filters.operators-filter]"
    echo "exclude-operators = ["
    # The bound: no bit, shift, power or modulo stand-ins (`X | None` and dict merges are BitOr),
    # no identity tests for equality, no decorator removal; one arithmetic swap each way and the
    # boundary swaps of every comparison are kept.
    echo '  "core/ReplaceBinaryOperator_(BitOr|BitAnd|BitXor|LShift|RShift|Pow|Mod|FloorDiv)_.*",'
    echo '  "core/ReplaceBinaryOperator_.*_(BitOr|BitAnd|BitXor|LShift|RShift|Pow|Mod|FloorDiv)",'
    echo '  "core/ReplaceBinaryOperator_(Add_Mul|Add_Div|Sub_Mul|Sub_Div|Div_Add|Div_Sub)",'
    echo '  "core/ReplaceComparisonOperator_.*_(Is|IsNot)",'
    echo '  "core/ReplaceComparisonOperator_(Eq|NotEq)_(Lt|LtE|Gt|GtE)",'
    echo '  "core/ReplaceComparisonOperator_(Lt|LtE|Gt|GtE)_(Eq|NotEq)",'
    echo '  "core/ReplaceUnaryOperator_USub_(Invert|UAdd|Not)",'
    echo '  "core/RemoveDecorator",'
    echo "]"
  } > "$config"
  "$BIN/cosmic-ray" init "$config" "$WORK/$group.sqlite" --force
  "$BIN/cr-filter-operators" "$WORK/$group.sqlite" "$config"
  "$BIN/cr-filter-pragma" "$WORK/$group.sqlite" || true
  "$PY" - "$WORK/$group.sqlite" "${MUTANTS:-40}" <<'PY'
import random, sys
from pathlib import Path
from cosmic_ray.work_db import WorkDB, use_db
from cosmic_ray.work_item import WorkerOutcome, WorkResult

path, size = Path(sys.argv[1]), int(sys.argv[2])
with use_db(path, WorkDB.Mode.open) as db:
    def where(item):  # job ids are random; the mutation itself is what stays the same between runs
        m = item.mutations[0]
        return str(m.module_path), m.operator_name, m.occurrence

    items = sorted(db.pending_work_items, key=where)
    pending = [item.job_id for item in items]
    if size:
        keep = set(random.Random(11).sample(pending, min(size, len(pending))))
        for job_id in pending:
            if job_id not in keep:
                db.set_result(job_id, WorkResult(output="not in the sample", worker_outcome=WorkerOutcome.SKIPPED))
    print(f"{path.stem}: {len(pending)} mutants after the operator filter, testing {size and min(size, len(pending)) or len(pending)}")
PY
  "$BIN/cosmic-ray" exec "$config" "$WORK/$group.sqlite"
  "$BIN/cr-report" "$WORK/$group.sqlite" --show-pending > "$OUT/$group.txt" || true
  echo "== $group: $(tail -3 "$OUT/$group.txt" | tr '\n' ' ')"
  "$BIN/cr-report" --surviving-only --show-diff "$WORK/$group.sqlite" > "$OUT/$group-survived.txt" || true
done
