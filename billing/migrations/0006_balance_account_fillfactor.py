"""Balance rows change with every posting (each order, payment, the monthly run's tax): pages
filled to 70 % keep room for a row's new version on its own page, so the update is a heap-only
(HOT) update that writes no index entries."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('billing', '0005_ledger_created_at_default'),
    ]

    operations = [
        migrations.RunSQL("ALTER TABLE billing_balanceaccount SET (fillfactor = 70)",
                          "ALTER TABLE billing_balanceaccount RESET (fillfactor)"),
    ]
