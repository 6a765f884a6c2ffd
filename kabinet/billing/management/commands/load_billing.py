"""`kabinet load_billing charges|payments FILE --org ID`: load charges or payments from the
organisation's own billing (CSV or XLSX; see `kabinet.billing.external` for the columns)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from kabinet.billing import external, services
from kabinet.billing.ledger import BillingError
from kabinet.core.models import Organization
from kabinet.core.spreadsheets import TableError, read_table


class Command(BaseCommand):
    help = ("Load charges or payments from an organisation's own billing (CSV or XLSX). The whole file is "
            "checked first: any bad row refuses it, every problem is listed, nothing is written.")

    def add_arguments(self, parser):
        parser.add_argument("what", choices=["charges", "payments"])
        parser.add_argument("file", help="CSV (UTF-8 or Windows-1251; ; , or tab) or XLSX with a header row")
        parser.add_argument("--org", type=int, required=True, help="Organisation id")
        parser.add_argument("--allow-engine", action="store_true",
                            help="Load even though Kabinet computes this organisation's charges")

    def handle(self, *args, what, file, org, allow_engine, **options):
        organization = Organization.objects.filter(pk=org).first()
        if organization is None:
            raise CommandError(f"No organisation with id {org}.")
        if what == "charges" and not allow_engine and not external.is_external(organization):
            raise CommandError(f"{organization} is billed by Kabinet's engine: loaded charges would be mixed with "
                               "computed ones. Switch its billing settings to external, or pass --allow-engine.")
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"No such file: {file}")
        try:
            records = read_table(path.read_bytes(), path.name)
            if what == "charges":
                count = services.load_charges(organization, external.parse_charges(organization, records))
            else:
                count = services.load_payments(organization, external.parse_payments(organization, records))
        except external.LoadError as exc:
            raise CommandError("The file was not loaded:\n" + "\n".join(exc.problems)) from exc
        except (TableError, BillingError) as exc:
            raise CommandError(f"The file was not loaded: {exc}") from exc
        self.stdout.write(f"{organization}: {count} {what} loaded from {path.name}.")
