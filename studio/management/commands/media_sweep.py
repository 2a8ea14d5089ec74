from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from studio.media import media_sweep


class Command(BaseCommand):
    help = (
        "List the stored media files that no row refers to any more (deleted garments, looks and "
        "scenes, replaced cut-outs), untouched for a while; delete them with --delete. Files are "
        "shared by content, so a file goes only when nothing at all refers to it."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--delete", action="store_true", help="delete them (else only list)")
        parser.add_argument(
            "--older-than",
            type=float,
            default=24,
            metavar="HOURS",
            help="leave files younger than this alone: one being stored now (default 24)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["older_than"] < 0:
            raise CommandError("--older-than is a number of hours, 0 or more.")
        swept = media_sweep(
            older_than=timedelta(hours=options["older_than"]), delete=options["delete"]
        )
        for name in swept.names:
            self.stdout.write(name)
        verb = "Deleted" if swept.deleted else "Unused, not deleted (add --delete)"
        self.stdout.write(f"{verb}: {len(swept.names)} files, {swept.size / 1e6:.1f} MB.")
