"""Balance rows change with every posting (each order, payment, the monthly run's tax): pages
filled to half keep room for each row's new version on its own page, so the update is a heap-only
(HOT) update that writes no index entries (the monthly run moves every partner's balance at once)."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('billing', '0006_page_indexes'),
    ]

    operations = [
        migrations.RunSQL("ALTER TABLE billing_balanceaccount SET (fillfactor = 50)",
                          "ALTER TABLE billing_balanceaccount RESET (fillfactor)"),
    ]
