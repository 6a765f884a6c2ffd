from django.core.management.base import BaseCommand

from kabinet.demo.data import (
    CONSUMER_ACCOUNT,
    CONSUMER_EMAIL,
    DEMO_PASSWORD,
    OPERATOR_EMAIL,
    STAFF_EMAIL,
    DemoLoader,
    receipt_code,
)


class Command(BaseCommand):
    help = "Load the demo data (idempotent) and print the demo logins."

    def handle(self, *args, **options):
        counts = DemoLoader(stdout=self.stdout).load()
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data ready: {counts['organisations']} organisations, {counts['accounts']} accounts."
            )
        )
        self.stdout.write(
            "\nDemo logins (password for all: {pw}):\n"
            "  consumer  {consumer}  (or account number {acct})\n"
            "  staff     {staff}\n"
            "  operator  {operator}\n"
            "Try self-registration with account 1000101 and receipt code {code}.\n".format(
                pw=DEMO_PASSWORD, consumer=CONSUMER_EMAIL, acct=CONSUMER_ACCOUNT, staff=STAFF_EMAIL,
                operator=OPERATOR_EMAIL, code=receipt_code("1000101"),
            )
        )
