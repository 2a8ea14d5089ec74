"""The garment catalogue: packshots with computed cut-outs, corrected masks, CSV feeds."""

import io
import threading
import time

import numpy as np
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from PIL import Image

from campaigns.demo import draw_cutout
from campaigns.models import Garment
from campaigns.services import garment_create, garment_import_csv
from studio.enums import Role
from studio.errors import Conflict, StudioError
from studio.models import AuditEvent
from studio.permissions import actor_for
from tests.factories import GarmentFactory
from tests.hostile import corpus
from tests.races import lock_waiters, race

pytestmark = pytest.mark.django_db


def packshot() -> tuple[bytes, np.ndarray]:
    """A dress photographed on white, and where the dress truly is."""
    garment = Image.open(io.BytesIO(draw_cutout("dress", (150, 40, 60))))
    shot = Image.new("RGB", (1000, 1200), (246, 246, 244))
    shot.paste(garment, (100, 100), garment)
    truth = np.zeros((1200, 1000), bool)
    truth[100:1100, 100:900] = np.asarray(garment.getchannel("A")) > 127
    out = io.BytesIO()
    shot.save(out, "JPEG", quality=95)
    return out.getvalue(), truth


def alpha_of(garment: Garment) -> np.ndarray:
    with garment.cutout.open("rb") as handle:
        return np.asarray(Image.open(io.BytesIO(handle.read())).getchannel("A")) > 127


def test_a_cutout_is_computed_from_the_packshot_and_can_be_corrected(world, login):
    client = login(world.user("brand-a", Role.STYLIST))
    data, truth = packshot()
    response = client.post(
        reverse("api-garment-list"),
        {
            "sku": "DR-1",
            "name": "Slip dress",
            "category": "dress",
            "season": "SS27",
            "colourways": ["wine"],
            "sizes": ["S", "M"],
            "packshot": SimpleUploadedFile("dress.jpg", data),
        },
    )
    assert response.status_code == 201, response.content
    garment = Garment.objects.get(sku="DR-1")
    assert garment.cutout_computed and response.json()["cutout_computed"] is True
    assert (garment.name, garment.season, garment.colourways, garment.sizes) == (
        "Slip dress",
        "SS27",
        ["wine"],
        ["S", "M"],
    )
    alpha = alpha_of(garment)
    iou = (alpha & truth).sum() / (alpha | truth).sum()
    assert iou > 0.9, iou
    assert client.get(reverse("garment-packshot-file", args=[garment.pk])).status_code == 200

    mask = Image.new("L", (1000, 1200), 0)
    mask.paste(255, (300, 300, 700, 900))
    out = io.BytesIO()
    mask.save(out, "PNG")
    page = client.post(
        reverse("garment-detail", args=[garment.pk]),
        {"mask": SimpleUploadedFile("mask.png", out.getvalue())},
    )
    assert page.status_code == 302
    garment.refresh_from_db()
    corrected = alpha_of(garment)
    assert not garment.cutout_computed
    assert corrected[600, 500] and not corrected[200, 200] and corrected.sum() == 400 * 600
    assert AuditEvent.objects.filter(verb="garment.mask_corrected").count() == 1


def test_a_hostile_mask_is_refused_and_changes_nothing(world, login):
    client = login(world.user("brand-a", Role.STYLIST))
    data, _ = packshot()
    client.post(
        reverse("api-garment-list"),
        {
            "sku": "DR-2",
            "name": "Dress",
            "category": "dress",
            "packshot": SimpleUploadedFile("d.jpg", data),
        },
    )
    garment = Garment.objects.get(sku="DR-2")
    before = garment.cutout.name
    name, content, _code = corpus()["decompression bomb"]
    response = client.post(
        reverse("garment-detail", args=[garment.pk]), {"mask": SimpleUploadedFile(name, content)}
    )
    assert response.status_code == 400 and b"pixels" in response.content
    garment.refresh_from_db()
    assert garment.cutout.name == before and garment.cutout_computed


def jpeg_of(size: tuple[int, int]) -> bytes:
    """A red garment in the middle of a pale backdrop, at ``size``."""
    shot = Image.new("RGB", size, (246, 246, 244))
    shot.paste((180, 30, 40), (size[0] // 4, size[1] // 4, size[0] * 3 // 4, size[1] * 3 // 4))
    out = io.BytesIO()
    shot.save(out, "JPEG", quality=95)
    return out.getvalue()


def test_a_packshot_too_small_to_cut_out_is_refused_and_a_long_narrow_one_is_cut(world, login):
    client = login(world.user("brand-a", Role.STYLIST))
    url = reverse("api-garment-list")
    form = {"name": "Scarf", "category": "accessory"}
    response = client.post(
        url, {**form, "sku": "SC-1", "packshot": SimpleUploadedFile("s.jpg", jpeg_of((40, 300)))}
    )
    assert response.status_code == 400
    assert response.json() == {
        "code": "image_too_small",
        "detail": "The image is 40×300 pixels: it needs at least 64 on each side.",
    }
    assert not Garment.objects.filter(sku="SC-1").exists()

    long = {**form, "sku": "SC-2", "packshot": SimpleUploadedFile("s.jpg", jpeg_of((6000, 64)))}
    assert client.post(url, long).status_code == 201
    alpha = alpha_of(Garment.objects.get(sku="SC-2"))
    assert alpha[32, 3000] and not alpha[4, 100] and 0.2 < alpha.mean() < 0.3


def test_the_page_shows_an_image_refusal_beside_the_image_at_fault(world, login):
    client = login(world.user("brand-a", Role.STYLIST))
    form = {"sku": "SC-3", "name": "Scarf", "category": "accessory"}
    page = client.post(
        reverse("garment-list"),
        {**form, "packshot": SimpleUploadedFile("s.jpg", jpeg_of((40, 300)))},
    )
    assert page.status_code == 400
    assert page.context["form"].errors == {
        "packshot": ["The image is 40×300 pixels: it needs at least 64 on each side."]
    }
    name, content, _code = corpus()["decompression bomb"]
    page = client.post(
        reverse("garment-list"),
        {
            **form,
            "packshot": SimpleUploadedFile("s.jpg", jpeg_of((400, 300))),
            "cutout": SimpleUploadedFile(name, content),
        },
    )
    assert page.status_code == 400 and list(page.context["form"].errors) == ["cutout"]
    assert not Garment.objects.filter(sku="SC-3").exists()

    garment = world.garment_a
    page = client.post(
        reverse("garment-edit", args=[garment.pk]),
        {
            "name": garment.name,
            "category": garment.category,
            "packshot": SimpleUploadedFile("s.jpg", jpeg_of((40, 300))),
        },
    )
    assert page.status_code == 400 and list(page.context["form"].errors) == ["packshot"]
    assert not Garment.objects.get(pk=garment.pk).packshot


FEED = (
    "sku,name,category,colourways,sizes,season\n"
    "AU-1,Linen shirt,top,ecru;navy,S;M;L,SS27\n"
    "AU-2,,bottom,,,SS27\n"
    "AU-3,Cape,cape,,,SS27\n"
    "AU-4,Wide trousers,bottom,black,M,AW26\n"
    "AU-1,Linen shirt again,top,,,SS27\n"
)


def test_a_feed_imports_good_rows_and_reports_bad_ones_line_by_line(world, login):
    GarmentFactory(brand=world.brand_b, sku="AU-1", name="Brand B's own")
    client = login(world.user("brand-a", Role.STYLIST))
    response = client.post(
        reverse("api-garment-import"), {"feed": SimpleUploadedFile("feed.csv", FEED.encode())}
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["created"], body["updated"]) == (["AU-1", "AU-4"], [])
    assert [(r["line"], r["reason"][:20]) for r in body["refused"]] == [
        (3, "A garment needs a SK"),
        (4, "Unknown category 'ca"),
        (6, "SKU AU-1 appears twi"),
    ]
    shirt = Garment.objects.get(brand=world.brand_a, sku="AU-1")
    assert (shirt.colourways, shirt.sizes, shirt.season) == (
        ["ecru", "navy"],
        ["S", "M", "L"],
        "SS27",
    )
    assert Garment.objects.get(brand=world.brand_b, sku="AU-1").name == "Brand B's own"
    # Re-importing updates by SKU; semicolon-separated feeds are read too.
    again = "sku;name;category;colourways\nAU-1;Linen shirt;top;white\n"
    page = client.post(
        reverse("garment-import"), {"feed": SimpleUploadedFile("feed.csv", again.encode())}
    )
    assert page.status_code == 200 and b"1 updated" in page.content
    shirt.refresh_from_db()
    assert shirt.colourways == ["white"] and shirt.sizes == []


def test_a_refused_row_is_named_by_the_line_it_starts_on(world):
    """A shop's export carries descriptions with line breaks, and blank lines: the report
    points at the line where the row stands in the file."""
    feed = (
        "sku,name,category,description\r\n"
        'AU-1,Coat,outerwear,"Warm,\r\nlong\r\nand lined"\r\n'  # lines 2 to 4
        "\r\n"
        "AU-2,,top,plain\r\n"  # line 6
        'AU-3,Scarf,scarves,"Wool\nand silk"\r\n'  # lines 7 and 8
        'AU-4,Belt,accessory,,"a cell past the header\r\n"\r\n'  # lines 9 and 10
        "AU-5,Tee,tops,\r\n"
    )
    stylist = actor_for(world.user("brand-a", Role.STYLIST), "brand-a")
    report = garment_import_csv(actor=stylist, file=io.BytesIO(feed.encode()))
    assert report.created == ["AU-1"]
    assert [(line, reason[:20]) for line, reason in report.errors] == [
        (6, "A garment needs a SK"),
        (7, "Unknown category 'sc"),
        (9, "The row has more cel"),
        (11, "Unknown category 'to"),
    ]


def test_the_import_page_lists_the_first_hundred_refused_rows_and_counts_the_rest(world, login):
    client = login(world.user("brand-a", Role.STYLIST))
    feed = "sku,name,category\n" + "".join(f"T-{n},Tee {n},tops\n" for n in range(150))
    page = client.post(
        reverse("garment-import"), {"feed": SimpleUploadedFile("feed.csv", feed.encode())}
    ).content.decode()
    assert "0 created · 0 updated · 150 refused" in page
    assert page.count("Unknown category &#x27;tops&#x27;") == 100
    assert "<td>101</td>" in page and "<td>102</td>" not in page  # lines 2 to 101
    assert "And 50 more refused rows, not listed here" in page
    body = client.post(
        reverse("api-garment-import"), {"feed": SimpleUploadedFile("feed.csv", feed.encode())}
    ).json()
    assert [row["line"] for row in body["refused"]] == list(range(2, 152))


def feed_of(rows: list[tuple[str, str]]) -> io.BytesIO:
    return io.BytesIO(
        (
            "sku,name,category,sizes\n" + "".join(f"{sku},{name},top,S;M\n" for sku, name in rows)
        ).encode()
    )


def test_a_feed_is_written_in_the_same_queries_for_few_rows_or_many(world):
    """Row by row, a feed took five queries a row: 20,000 rows took 45 s, past any request's
    time. Now it is checked first and written in bulk; what a garment has beside its row (its
    cut-out, who added it) stays."""
    actor = actor_for(world.user("brand-a", Role.STYLIST))
    kept = world.garment_a  # has a cut-out

    def queries(new: int, unchanged: int, changed: int) -> int:
        start = Garment.objects.count()
        before = [(f"S{start}-{n}", f"Tee {n}") for n in range(unchanged + changed)]
        garment_import_csv(actor=actor, file=feed_of(before))
        rows = (
            [(f"N{start}-{n}", f"New {n}") for n in range(new)]
            + before[:unchanged]
            + [(sku, f"Renamed {name}") for sku, name in before[unchanged:]]
            + [(kept.sku, f"Renamed {start}")]
        )
        with CaptureQueriesContext(connection) as captured:
            report = garment_import_csv(actor=actor, file=feed_of(rows))
        assert len(report.created) == new and len(report.updated) == unchanged + changed + 1
        assert Garment.objects.filter(name__startswith="Renamed").count() >= changed + 1
        return len(captured)

    few = queries(new=1, unchanged=1, changed=1)
    assert queries(new=150, unchanged=150, changed=150) == few
    garment = Garment.objects.get(pk=kept.pk)
    assert garment.name.startswith("Renamed") and garment.sizes == ["S", "M"]
    assert (garment.cutout, garment.created_by_id) == (kept.cutout, kept.created_by_id)
    assert garment.cutout


@pytest.mark.django_db(transaction=True)
def test_the_same_feed_imported_twice_at_once_adds_each_garment_once(world):
    """Two imports of a brand's feed take turns: the second finds the first's garments."""
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL")
    actor = actor_for(world.user("brand-a", Role.STYLIST))
    rows = [(f"R-{n}", f"Tee {n}") for n in range(200)]
    reports: list = []

    def run() -> None:
        reports.append(garment_import_csv(actor=actor, file=feed_of(rows)))

    assert race(run, run) == ["done", "done"]
    assert Garment.objects.filter(sku__startswith="R-").count() == 200
    assert sorted(len(report.created) for report in reports) == [0, 200]
    assert all(not report.errors for report in reports)


def test_a_garment_added_by_hand_while_a_feed_is_written_stops_the_feed_whole(
    transactional_db, world
):
    """A stylist adds a garment with a SKU of the feed after the import looked the SKUs up: the
    feed cannot create it twice, so nothing of it is kept and the stylist is told to import
    again (which then updates it)."""
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL")
    actor = actor_for(world.user("brand-a", Role.STYLIST))
    added, release = threading.Event(), threading.Event()

    def add_by_hand() -> None:
        try:
            with transaction.atomic():
                GarmentFactory(brand=world.brand_a, sku="HX-2", name="Added by hand")
                added.set()
                release.wait(10)
        finally:
            connection.close()

    hand = threading.Thread(target=add_by_hand)
    hand.start()
    assert added.wait(10)
    outcome: list[str] = []

    def import_feed() -> None:
        rows = [("HX-1", "Tee"), ("HX-2", "Shirt"), ("HX-3", "Top")]
        try:
            garment_import_csv(actor=actor, file=feed_of(rows))
            outcome.append("done")
        except StudioError as exc:
            outcome.append(exc.message)
        finally:
            connection.close()

    feed = threading.Thread(target=import_feed)
    feed.start()
    waiting_on_a_lock(1)  # the feed's insert, on the SKU the hand's transaction holds
    release.set()
    hand.join()
    feed.join()
    assert "added to the catalogue while it was read: import the feed again" in outcome[0]
    assert list(Garment.objects.filter(sku__startswith="HX-").values_list("sku", "name")) == [
        ("HX-2", "Added by hand")
    ]
    assert not AuditEvent.objects.filter(verb="garment.imported").exists()


def waiting_on_a_lock(count: int) -> None:
    for _ in range(200):
        if lock_waiters() >= count:
            return
        time.sleep(0.05)
    raise AssertionError(f"{count} connection(s) never waited on a lock")


def test_a_feed_being_written_holds_up_no_other_write_of_the_brand(transactional_db, world):
    """One feed of a brand at a time, but a stylist adding a garment by hand does not wait for
    it (the import's lock on the brand's row lets rows that only refer to it be written), nor
    does another brand's feed."""
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL")
    actor = actor_for(world.user("brand-a", Role.STYLIST))
    rival = actor_for(world.user("brand-b", Role.STYLIST))
    done = threading.Event()

    def add_garment_and_import_elsewhere() -> None:
        try:
            GarmentFactory(brand=world.brand_a, name="Added meanwhile")
            garment_import_csv(actor=rival, file=feed_of([("NW-1", "Brand B's tee")]))
            done.set()
        finally:
            connection.close()

    with transaction.atomic():
        garment_import_csv(actor=actor, file=feed_of([("NW-1", "Tee")]))
        thread = threading.Thread(target=add_garment_and_import_elsewhere)
        thread.start()
        assert done.wait(5), "a new garment or another brand's feed waited for this feed"
    thread.join()
    assert Garment.objects.filter(sku="NW-1").count() == 2


def test_a_feed_row_short_of_cells_or_holding_a_nul_is_refused_on_its_own(world, login):
    """A shop's export leaves trailing cells off a row, or carries a damaged cell: a row that
    still has a SKU, a name and a category is imported, the others are refused with the reason,
    and neither is a server error."""
    feed = (
        "sku,name,category,colourways,sizes,season\n"
        "SH-1,Tee,top\n"  # line 2
        "SH-2,Skirt\n"
        "SH-3\n"
        "SH-4,Tee\x00,top\n"
        "SH-5,Belt,accessory,black\n"  # line 6
    )
    stylist = world.user("brand-a", Role.STYLIST)
    response = login(stylist).post(
        reverse("api-garment-import"), {"feed": SimpleUploadedFile("feed.csv", feed.encode())}
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["created"] == ["SH-1", "SH-5"]
    assert [(row["line"], row["reason"][:30]) for row in body["refused"]] == [
        (3, "A garment needs a category (on"),
        (4, "A garment needs a SKU and a na"),
        (5, "A cell holds a NUL character ("),
    ]
    tee, belt = Garment.objects.filter(sku__in=["SH-1", "SH-5"]).order_by("sku")
    assert (tee.colourways, tee.sizes, tee.season, belt.colourways) == ([], [], "", ["black"])
    assert tee.created_by == belt.created_by == stylist
    event = AuditEvent.objects.get(verb="garment.imported")
    assert (event.brand, event.actor) == (world.brand_a, stylist)
    assert event.payload == {"created": 2, "updated": 0, "errors": 3}


def test_a_row_with_more_cells_than_the_header_is_refused_on_its_own(world):
    """A size list written "S, M" without quotes shifts the row: the season column would get
    "M" and the real season fall off the end. Such a row is refused, not imported askew; empty
    cells past the header (an export ending every row with a delimiter) are no such shift."""
    feed = (
        "sku,name,category,sizes,season\n"
        "SX-1,Tee,top,S, M,SS27\n"  # line 2: shifted
        "SX-2,Skirt,bottom,S;M,SS27,,\n"  # trailing empty cells
        'SX-3,"Coat, camel",outerwear,S;M,AW27\n'  # quoted: one cell
    )
    report = garment_import_csv(
        actor=actor_for(world.user("brand-a", Role.STYLIST)), file=io.BytesIO(feed.encode())
    )
    assert report.errors == [
        (
            2,
            "The row has more cells than the header has columns: a cell holds the delimiter"
            " without quotes around it.",
        )
    ]
    assert report.created == ["SX-2", "SX-3"]
    assert not Garment.objects.filter(sku="SX-1").exists()
    assert Garment.objects.get(sku="SX-2").sizes == ["S", "M"]
    assert Garment.objects.get(sku="SX-3").name == "Coat, camel"


def test_a_feed_changes_every_detail_of_a_garment_by_its_sku(world):
    """A re-import that changes all of a garment's details at once writes all of them; who added
    it, which the feed does not hold, stays. Excel's UTF-8 export starts with a byte-order mark,
    which is not part of the first column's name."""
    stylist, admin = world.user("brand-a", Role.STYLIST), world.user("brand-a", Role.BRAND_ADMIN)
    first = "sku,name,category,colourways,sizes,season\nRW-1,Tee,top,white,S,SS27\n"
    garment_import_csv(actor=actor_for(stylist), file=io.BytesIO(first.encode()))
    again = (
        "\ufeffsku,name,category,colourways,sizes,season\nRW-1,Coat,outerwear,black|grey,M|L,AW27\n"
    )
    report = garment_import_csv(actor=actor_for(admin), file=io.BytesIO(again.encode("utf-8")))
    assert (report.created, report.updated, report.errors) == ([], ["RW-1"], [])
    garment = Garment.objects.get(brand=world.brand_a, sku="RW-1")
    assert (
        garment.name,
        garment.category,
        garment.colourways,
        garment.sizes,
        garment.season,
        garment.created_by,
    ) == ("Coat", "outerwear", ["black", "grey"], ["M", "L"], "AW27", stylist)


def test_a_sku_is_one_garment_whatever_its_case(world, login):
    """Feeds from other systems lower-case SKUs: re-importing one updates the garment it names
    (kept as the catalogue spells it), adding it by hand or by the API is refused, and the same
    SKU twice in one file in two cases is reported. Another brand's SKU is another garment."""
    stylist = actor_for(world.user("brand-a", Role.STYLIST))
    tee = GarmentFactory(brand=world.brand_a, sku="AU-TS-001", name="Tee", category="top")
    GarmentFactory(brand=world.brand_b, sku="au-ts-002", name="Brand B's")
    feed = (
        "sku,name,category\n"
        "au-ts-001,Boxy tee,top\n"
        "AU-TS-002,Shirt,top\n"
        "au-ts-002,Shirt again,top\n"
    )
    report = garment_import_csv(actor=stylist, file=io.BytesIO(feed.encode()))
    assert (report.created, report.updated) == (["AU-TS-002"], ["AU-TS-001"])
    assert report.errors == [(4, "SKU au-ts-002 appears twice in the file.")]
    tee.refresh_from_db()
    assert (tee.sku, tee.name) == ("AU-TS-001", "Boxy tee")
    mine = Garment.objects.filter(brand=world.brand_a, sku__istartswith="au-ts")
    assert mine.count() == 2

    with pytest.raises(Conflict, match="SKU Au-Ts-001 is in the catalogue already, as AU-TS-001"):
        garment_create(actor=stylist, sku=" Au-Ts-001 ", name="Other", category="top")
    client = login(world.user("brand-a", Role.STYLIST))
    answer = client.post(
        reverse("api-garment-list"), {"sku": "au-ts-002", "name": "Other", "category": "top"}
    )
    assert answer.status_code == 409, answer.content
    assert "SKU au-ts-002 is in the catalogue already" in answer.content.decode()
    assert sorted(mine.values_list("sku", flat=True)) == ["AU-TS-001", "AU-TS-002"]
    # The database holds the line too, whatever writes the row.
    with pytest.raises(IntegrityError), transaction.atomic():
        Garment.objects.create(brand=world.brand_a, sku="au-ts-001", name="X", category="top")


def test_a_quote_inside_a_cell_is_read_as_spreadsheets_write_it_wherever_it_is(world):
    """A doubled quote is one quote, in the 500th row as in the first, and a semicolon
    delimited feed is read by its delimiter: only the delimiter is guessed from the file's
    start."""
    stylist = actor_for(world.user("brand-a", Role.STYLIST))
    plain = "".join(f"QT-{n},Tee {n},top\n" for n in range(500))
    feed = f'sku,name,category\n{plain}QT-X,"Boxy 12"" tee, washed",top\n'
    report = garment_import_csv(actor=stylist, file=io.BytesIO(feed.encode()))
    assert (len(report.created), report.errors) == (501, [])
    assert Garment.objects.get(sku="QT-X").name == 'Boxy 12" tee, washed'
    feed = 'sku;name;category\nQT-S;"Tee; ""boxy""";top\n'
    report = garment_import_csv(actor=stylist, file=io.BytesIO(feed.encode()))
    assert (report.created, report.errors) == (["QT-S"], [])
    assert Garment.objects.get(sku="QT-S").name == 'Tee; "boxy"'


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"name,category\nShirt,top\n", "no sku column"),
        ("sku,name,category\nA,Été,top\n".encode("latin-1"), "not UTF-8"),
        (b"", "empty"),
        (b"\xef\xbb\xbf", "The feed has no sku, name, category column"),  # an empty sheet's BOM
        (
            b"sku,name,category\nA-1,Shirt,top\nA-2," + b"x" * 200_000 + b",top\n",
            "Line 3 cannot be read as CSV: field larger than field limit (131072).",
        ),
        (  # the quote opened on line 3 would take lines 4 and 5 into its cell
            b'sku,name,category\nA-1,"Shirt\nwith a note",top\nA-2,"Tee,top\nA-3,Tee,top\n'
            b"A-4,Tee,top\n",
            "Line 4 cannot be read as CSV: a quoted cell starts there and never ends.",
        ),
        (  # the header is line 1, at fault itself
            b'sku,"name,category\nA-1,Shirt,top\n',
            "Line 1 cannot be read as CSV: a quoted cell starts there and never ends.",
        ),
        (
            b'sku,name,category\nA-1,"Shirt,top\n',
            "Line 2 cannot be read as CSV: a quoted cell starts there and never ends.",
        ),
        (
            b'sku,name,category\nA-1,Shirt,top\nA-2,"Tee" shirt,top\n',
            "Line 3 cannot be read as CSV: text follows the quote that ends a cell",
        ),
        (
            b"sku,name,category\n" + b"A-1,Shirt,top\n" * (5 * 1024 * 1024 // 14 + 1),
            "The file is larger than 5 MB.",
        ),
    ],
)
def test_an_unreadable_feed_is_refused_whole(world, login, content, reason):
    client = login(world.user("brand-a", Role.STYLIST))
    response = client.post(
        reverse("api-garment-import"), {"feed": SimpleUploadedFile("feed.csv", content)}
    )
    assert response.status_code == 400
    assert reason in str(response.json())
    page = client.post(
        reverse("garment-import"), {"feed": SimpleUploadedFile("feed.csv", content or b" ")}
    )
    assert page.status_code == 400
    assert Garment.objects.filter(brand=world.brand_a).count() == 1  # the world's own


def test_a_feed_past_its_largest_imports_the_first_rows_and_says_so(world, login, monkeypatch):
    monkeypatch.setattr("campaigns.services.catalogue.IMPORT_MAX_ROWS", 3)
    feed = "sku,name,category\n" + "".join(f"LG-{n},Tee {n},top\n" for n in range(5))
    client = login(world.user("brand-a", Role.STYLIST))
    response = client.post(
        reverse("api-garment-import"), {"feed": SimpleUploadedFile("feed.csv", feed.encode())}
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["created"] == ["LG-0", "LG-1", "LG-2"]
    assert body["refused"] == [{"line": 5, "reason": "Only the first 3 rows are read."}]
    assert not Garment.objects.filter(sku__in=["LG-3", "LG-4"]).exists()


def test_only_the_catalogue_roles_import(world, login):
    client = login(world.user("brand-a", Role.SOCIAL_TEAM))
    response = client.post(
        reverse("api-garment-import"), {"feed": SimpleUploadedFile("feed.csv", FEED.encode())}
    )
    assert response.status_code == 403
    assert client.get(reverse("garment-import")).status_code == 404
    assert not Garment.objects.filter(sku="AU-4").exists()


def test_details_past_what_a_garment_holds_are_refused_by_every_way_in(world, login):
    """A season past its column's 32 characters was a 500 through the API's create (the update
    and the page checked it, the create did not) and was cut short without a word by the feed;
    colourways and sizes took any number of any length."""
    client = login(world.user("brand-a", Role.STYLIST))
    long_season = "Spring-Summer 2027 Resort capsule"  # 33 characters
    cases: list[tuple[dict[str, object], str]] = [
        ({"season": long_season}, "season"),
        ({"colourways": [f"c{n}" for n in range(51)]}, "colourways"),
        ({"sizes": ["x" * 65]}, "sizes"),
    ]
    for bad, field in cases:
        answer = client.post(
            reverse("api-garment-list"),
            {"sku": "N-1", "name": "Knit", "category": "top", **bad},
            content_type="application/json",
        )
        assert answer.status_code == 400 and list(answer.json()) == [field], bad
        changed = client.patch(
            reverse("api-garment-detail", args=[world.garment_a.pk]),
            bad,
            content_type="application/json",
        )
        assert changed.status_code == 400 and list(changed.json()) == [field], bad
    actor = actor_for(world.user("brand-a", Role.STYLIST), "brand-a")
    with pytest.raises(StudioError, match="The season is at most 32 characters"):
        garment_create(actor=actor, sku="N-1", name="Knit", category="top", season=long_season)
    with pytest.raises(StudioError, match="at most 50 colourways of at most 64 characters"):
        garment_create(actor=actor, sku="N-1", name="Knit", category="top", colourways=["c"] * 51)
    feed = f"sku,name,category,season\nN-1,Knit,top,{long_season}\nN-2,Tee,top,SS27\n"
    report = client.post(
        reverse("api-garment-import"), {"feed": SimpleUploadedFile("feed.csv", feed.encode())}
    ).json()
    assert report["created"] == ["N-2"]
    assert report["refused"] == [
        {"line": 2, "reason": "The season is at most 32 characters (e.g. SS27)."}
    ]
    page = client.post(
        reverse("garment-list"),
        {"sku": "N-3", "name": "Knit", "category": "top", "sizes": ", ".join(["S"] * 51)},
    )
    assert page.status_code == 400
    assert "at most 50 sizes of at most 64 characters" in page.content.decode()
    assert not Garment.objects.filter(sku__in=["N-1", "N-3"]).exists()
    world.garment_a.refresh_from_db()
    assert (world.garment_a.season, world.garment_a.colourways) == ("", [])
