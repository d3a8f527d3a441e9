from django.db import migrations

from portal.appendonly import append_only_sql

# B-7: the ledger is append-only in the database too.
FORWARD, BACKWARD = append_only_sql("billing_ledgerentry")


class Migration(migrations.Migration):
    dependencies = [("billing", "0001_initial")]
    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
