"""`kabinet bill --period 2026-10 [--org ID]`: run the billing for a period (idempotent)."""

from django.core.management.base import BaseCommand, CommandError

from kabinet.billing.models import BillingSettings
from kabinet.billing.services import BillingError, run_billing
from kabinet.core.models import Organization
from kabinet.core.money import parse_period


class Command(BaseCommand):
    help = "Run the billing for a period: charges from readings, tariffs and normatives, then balances."

    def add_arguments(self, parser):
        parser.add_argument("--period", required=True, help="YYYY-MM")
        parser.add_argument("--org", type=int,
                            help="Organisation id; default every active organisation that Kabinet bills")

    def handle(self, *args, **options):
        try:
            period = parse_period(options["period"])
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        # Every active organisation that Kabinet bills (the others load their charges: `load_billing`).
        organizations = Organization.objects.filter(is_active=True).exclude(
            billing_settings__mode=BillingSettings.Mode.EXTERNAL)
        if options["org"] is not None:
            organizations = Organization.objects.filter(pk=options["org"])
            if not organizations.exists():
                raise CommandError(f"No organisation with id {options['org']}.")
        for organization in organizations.order_by("pk"):
            try:
                report = run_billing(organization, period)
            except BillingError as exc:
                self.stderr.write(f"{organization}: {exc}")
                continue
            problems = ", ".join(f"{k}: {v}" for k, v in sorted(report.problems.items()))
            self.stdout.write(f"{organization} {period:%Y-%m}: {report.accounts} accounts, {report.lines} lines, "
                              f"{report.amount:.2f}" + (f" (not charged: {problems})" if problems else ""))
