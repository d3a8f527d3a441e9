from django.db import migrations

from portal.appendonly import append_only_sql

FORWARD, BACKWARD = append_only_sql("renewals_poolentry")


def first_periods(apps, schema_editor):
    """Subscriptions made before periods existed get their one period: their whole term."""
    Subscription = apps.get_model("renewals", "Subscription")
    Period = apps.get_model("renewals", "SubscriptionPeriod")
    Period.objects.bulk_create([
        Period(partner_id=s.partner_id, subscription_id=s.pk, kind="initial", start_date=s.start_date,
               end_date=s.end_date, years=s.duration_years, licences=s.licences)
        for s in Subscription.objects.filter(periods__isnull=True).iterator()
    ])


class Migration(migrations.Migration):
    dependencies = [("renewals", "0002_periods_pools_notices")]

    operations = [
        migrations.RunSQL(FORWARD, BACKWARD),
        migrations.RunPython(first_periods, migrations.RunPython.noop),
    ]
