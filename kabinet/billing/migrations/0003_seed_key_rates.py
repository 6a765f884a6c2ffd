"""Seed the Central Bank key rate history (2016–2026) and the penalty moratoria/caps (DOMAIN.md §3).

The data comes from `kabinet.billing.rules.keyrates` as it was when this migration was written;
later key rate decisions are added in the admin (or by a new data migration)."""

from django.db import migrations

from kabinet.billing.rules import keyrates


def seed(apps, schema_editor):
    KeyRate = apps.get_model("billing", "KeyRate")
    PenaltyRule = apps.get_model("billing", "PenaltyRule")
    known = set(KeyRate.objects.values_list("date", flat=True))
    KeyRate.objects.bulk_create([KeyRate(date=day, rate=rate) for day, rate in keyrates.KEY_RATES if day not in known])
    if not PenaltyRule.objects.exists():
        PenaltyRule.objects.bulk_create([
            PenaltyRule(start=start, end=end, kind=kind, rate=rate, source=source)
            for start, end, kind, rate, source in keyrates.PENALTY_RULES
        ])


def unseed(apps, schema_editor):
    apps.get_model("billing", "KeyRate").objects.all().delete()
    apps.get_model("billing", "PenaltyRule").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("billing", "0002_engine")]

    operations = [migrations.RunPython(seed, unseed)]
