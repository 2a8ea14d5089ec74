"""Every kind of studio page passes axe-core's WCAG 2 A and AA rules in a real browser, for
every kind of demo login: names for every control, contrast, links told apart from text, valid
ARIA. People use the studio all day, some of them with a screen reader or a keyboard. The same
walk fails on any error the browser logs, a script or style the Content-Security-Policy
refused among them."""

import re
from io import StringIO

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.core.management import call_command
from django.urls import reverse

from campaigns.management.commands.seed_demo import PASSWORD
from tests.e2e.test_licensing_in_a_browser import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

LOGINS = [
    "aurel-director",
    "aurel-stylist",
    "aurel-admin",
    "aurel-social",
    "northstar-booker",
    "ines",
]
WCAG_AA = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa"]}}
# Pages that change things when followed, or are not the studio's own.
NOT_FOLLOWED = re.compile(r"/(logout|admin|api|static|media)/|/(delete|cancel|archive)/")


def kind_of(path: str) -> str:
    """Pages of one kind share a template: /garments/7/ and /garments/8/ are one kind."""
    return re.sub(r"\d+", "N", path)


def violations(axe: Axe, page) -> str:
    results = axe.run(page, options=WCAG_AA)
    return results.generate_report() if results.violations_count else ""


def test_every_kind_of_page_passes_wcag_aa_and_logs_no_error(live_server, page):
    call_command("seed_demo", stdout=StringIO())
    axe, found, checked = Axe(), {}, set()
    logged: list[str] = []
    page.on(
        "console", lambda m: logged.append(f"{page.url}: {m.text}") if m.type == "error" else None
    )
    page.on("pageerror", lambda error: logged.append(f"{page.url}: {error}"))
    page.goto(f"{live_server.url}{reverse('login')}")
    found["/login/"] = violations(axe, page)
    for username in LOGINS:
        sign_in(page, live_server, username, PASSWORD)
        todo = ["/"]
        while todo:  # one page of each kind this login reaches
            path = todo.pop(0)
            if (username, kind_of(path)) in checked:
                continue
            checked.add((username, kind_of(path)))
            page.goto(f"{live_server.url}{path}")
            page.wait_for_load_state("networkidle")
            found[f"{username} {path}"] = violations(axe, page)
            own = "as => as.filter(a => a.origin === location.origin).map(a => a.pathname)"
            todo += [
                target
                for target in page.eval_on_selector_all("a[href]", own)
                if not NOT_FOLLOWED.search(target)
            ]
    assert len(checked) >= 60  # the walk reached the studio's pages, not only the dashboards
    assert logged == []
    failing = {where: report for where, report in found.items() if report}
    assert not failing, "\n\n".join(f"{where}:\n{report}" for where, report in failing.items())
