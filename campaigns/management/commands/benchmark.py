from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser


class Command(BaseCommand):
    help = (
        "Measure the render pipeline on Redis with a real worker, in a database of its own: "
        "per-job overhead next to a raw Celery round trip, a 5,000-shot enqueue, preview renders. "
        "`benchmark pages`: the pages that read render jobs, with a year of them; "
        "`benchmark import`: a 20,000-row product feed, new, unchanged and changed; "
        "`benchmark cutout`: the quality and time of computed cut-outs; `benchmark figures`: how "
        "well twins' reference photos are told from their backdrops (no services for either)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("what", choices=["render", "pages", "import", "cutout", "figures"])
        parser.add_argument(
            "--jobs", type=int, default=50, help="jobs to time, 5 to 80 (default 50)"
        )
        parser.add_argument(
            "--campaigns",
            type=int,
            default=200,
            help="older campaigns of 5,000 renders behind the pages, 1 to 400 (default 200)",
        )
        parser.add_argument(
            "--rows", type=int, default=20_000, help="rows of the feed, 1 to 20,000 (default)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from campaigns import benchmark

        if options["what"] == "cutout":
            benchmark.run_cutouts(out=self.stdout.write)
            return
        if options["what"] == "pages":
            campaigns = min(400, max(1, options["campaigns"]))
            benchmark.run_pages(out=self.stdout.write, campaigns=campaigns)
            return
        if options["what"] == "import":
            benchmark.run_import(out=self.stdout.write, rows=min(20_000, max(1, options["rows"])))
            return
        if options["what"] == "figures":
            benchmark.run_figures(out=self.stdout.write)
            return
        try:
            benchmark.run(jobs=min(80, max(5, options["jobs"])), out=self.stdout.write)
        except RuntimeError as exc:
            raise CommandError(str(exc)) from exc
