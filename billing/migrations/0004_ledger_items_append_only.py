from django.db import migrations

from portal.appendonly import append_only_sql

FORWARD, BACKWARD = append_only_sql("billing_ledgeritem")


class Migration(migrations.Migration):
    dependencies = [("billing", "0003_invoices_payments_quotes")]
    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
