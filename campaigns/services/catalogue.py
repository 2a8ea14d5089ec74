import csv
import io
import itertools
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import partial
from typing import IO, Any

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models.functions import Upper
from django.template.defaultfilters import pluralize
from django.utils import timezone
from PIL import Image

from campaigns.cutout import (
    PACKSHOT_MIN_SIDE,
    cutout_from_packshot,
    cutout_refine,
    strokes_read,
    with_alpha,
)
from campaigns.enums import (
    DEFAULT_LAYER,
    LAYER_MAX,
    LIST_ITEM_MAX,
    LIST_MAX,
    SEASON_MAX,
    SLOT_OF,
    GarmentCategory,
    Slot,
)
from campaigns.models import Garment, Look, LookItem, Shot
from studio.enums import Perm
from studio.errors import Conflict, NotFound, StudioError, text_checked
from studio.images import ImageRejected, StoredImage, image_ingest, image_open_checked
from studio.media import media_kept
from studio.models import Brand
from studio.permissions import Actor
from studio.services import audit_record

IMPORT_MAX_BYTES = 5 * 1024 * 1024
IMPORT_MAX_ROWS = 20_000
IMPORT_COLUMNS = ("sku", "name", "category", "colourways", "sizes", "season")
IMPORT_FIELDS = ["name", "category", "colourways", "sizes", "season"]  # what a feed's row sets
IMPORT_BATCH = 1000  # rows per statement
LOOK_NAME_MAX = 200
COPY_SUFFIX = re.compile(r" \(copy(?: \d+)?\)$")


def _png(image: Image.Image) -> io.BytesIO:
    out = io.BytesIO()
    image.save(out, "PNG")
    out.seek(0)
    return out


def _opened(name: str) -> Image.Image:
    with default_storage.open(name, "rb") as handle:
        image = Image.open(io.BytesIO(handle.read()))
        image.load()
    return image


def _clean_fields(sku: str, name: str, category: str) -> tuple[str, str]:
    sku, name = sku.strip(), name.strip()
    if not sku or not name:
        raise StudioError("A garment needs a SKU and a name.")
    if len(sku) > 64 or len(name) > 200:
        raise StudioError("The SKU is at most 64 characters and the name at most 200.")
    if not category:
        raise StudioError(
            f"A garment needs a category (one of {', '.join(GarmentCategory.values)})."
        )
    if category not in GarmentCategory.values:
        raise StudioError(
            f"Unknown category {category!r} (one of {', '.join(GarmentCategory.values)})."
        )
    return sku, name


def _list(values: list[str] | None) -> list[str]:
    return [v.strip() for v in values or [] if v.strip()]


def _details(colourways: list[str] | None, sizes: list[str] | None, season: str) -> dict[str, Any]:
    """A garment's colourways, sizes and season, checked (create, update and import alike)."""
    details = {"colourways": _list(colourways), "sizes": _list(sizes), "season": season.strip()}
    if len(details["season"]) > SEASON_MAX:
        raise StudioError(f"The season is at most {SEASON_MAX} characters (e.g. SS27).")
    for field_name in ("colourways", "sizes"):
        items = details[field_name]
        if len(items) > LIST_MAX or any(len(item) > LIST_ITEM_MAX for item in items):
            raise StudioError(
                f"A garment has at most {LIST_MAX} {field_name} of at most {LIST_ITEM_MAX}"
                " characters each."
            )
    return details


def _ingest(name: str, upload: IO[bytes] | None, **options: Any) -> StoredImage | None:
    """``upload`` checked and stored; refused, the refusal names the input, ``name``."""
    if not upload:
        return None
    try:
        return image_ingest(upload, **options)
    except ImageRejected as exc:
        raise ImageRejected(exc.message, code=exc.code, field=name) from exc


def _images(
    brand_id: int, packshot: IO[bytes] | None, cutout: IO[bytes] | None
) -> tuple[StoredImage | None, StoredImage | None]:
    """The packshot and the cut-out, checked and stored; without a cut-out, one computed from
    the packshot."""
    prefix = f"garments/{brand_id}"
    shot = _ingest("packshot", packshot, prefix=prefix, min_side=PACKSHOT_MIN_SIDE)
    if cutout is not None:
        return shot, _ingest("cutout", cutout, prefix=prefix)
    if shot is not None:
        return shot, image_ingest(_png(cutout_from_packshot(_opened(shot.name))), prefix=prefix)
    return None, None


@media_kept()
def garment_create(
    *,
    actor: Actor,
    sku: str,
    name: str,
    category: str,
    cutout: IO[bytes] | None = None,
    packshot: IO[bytes] | None = None,
    colourways: list[str] | None = None,
    sizes: list[str] | None = None,
    season: str = "",
) -> Garment:
    """Add a garment. Without a cut-out, one is computed from the packshot (the stylist can
    correct its mask afterwards)."""
    brand = actor.require(Perm.MANAGE_GARMENTS)
    sku, name = _clean_fields(sku, name, category)
    details = _details(colourways, sizes, season)
    spelled = (
        Garment.objects.filter(brand=brand, sku__iexact=sku).values_list("sku", flat=True).first()
    )
    if spelled is not None:
        raise Conflict(
            f"SKU {sku} is in the catalogue already"
            + ("." if spelled == sku else f", as {spelled}: a SKU is one garment in any case.")
        )
    shot, cut = _images(brand.pk, packshot, cutout)
    computed = cutout is None and shot is not None
    try:
        with transaction.atomic():
            garment = Garment.objects.create(
                brand=brand,
                sku=sku,
                name=name,
                category=category,
                **details,
                packshot=shot.name if shot else "",
                cutout=cut.name if cut else "",
                cutout_sha256=cut.sha256 if cut else "",
                cutout_computed=computed,
                created_by=actor.user,
            )
            audit_record(
                actor=actor.user,
                verb="garment.created",
                obj=garment,
                brand=brand,
                payload={"sku": sku, "category": category},
            )
    except IntegrityError as exc:  # a concurrent create of the same SKU won the race
        raise Conflict(f"SKU {sku} is in the catalogue already.") from exc
    return garment


def _category_kept(garment: Garment, category: str) -> None:
    """A garment's category cannot change while looks wear it: each look gave it the slot of
    its category, and the slot rules (a dress excludes top and bottom) were checked on that."""
    if category == garment.category:
        return
    looks = Look.objects.filter(items__garment=garment).values_list("name", flat=True)
    if looks:
        raise _worn(garment, looks)


def _worn(garment: Garment, looks: Iterable[str]) -> Conflict:
    """Why ``garment`` keeps its category: the looks that wear it."""
    names = sorted(set(looks))
    return Conflict(
        f"{garment.sku} is worn as {garment.get_category_display().lower()} in "
        f"{len(names)} look{'s' if len(names) > 1 else ''} ({', '.join(names[:3])}"
        f"{', …' if len(names) > 3 else ''}): take it out of them to change its category."
    )


def _garment_changes(
    garment: Garment,
    *,
    name: str | None,
    category: str | None,
    colourways: list[str] | None,
    sizes: list[str] | None,
    season: str | None,
) -> dict[str, Any]:
    """The garment's details with the given ones in place, checked."""
    category = category or garment.category
    _sku, name = _clean_fields(garment.sku, garment.name if name is None else name, category)
    details = _details(
        garment.colourways if colourways is None else colourways,
        garment.sizes if sizes is None else sizes,
        garment.season if season is None else season,
    )
    _category_kept(garment, category)
    return {"name": name, "category": category, **details}


def _garment_locked(garment: Garment) -> Garment:
    """The garment, locked, as it is now: a colleague may have deleted it since it was read."""
    locked = Garment.objects.select_for_update().filter(pk=garment.pk).first()
    if locked is None:
        raise NotFound("No such garment.")
    return locked


@media_kept()
def garment_update(
    *,
    actor: Actor,
    garment: Garment,
    name: str | None = None,
    category: str | None = None,
    colourways: list[str] | None = None,
    sizes: list[str] | None = None,
    season: str | None = None,
    packshot: IO[bytes] | None = None,
    cutout: IO[bytes] | None = None,
) -> Garment:
    """Change what is given (None keeps it). A new packshot without a cut-out computes the
    cut-out again; a new cut-out replaces it. The SKU is the garment's key in product feeds and
    does not change; nor does the category while a look wears the garment."""
    brand = actor.require(Perm.MANAGE_GARMENTS)
    if garment.brand_id != brand.pk:
        raise NotFound("No such garment.")
    changes_to = partial(
        _garment_changes, name=name, category=category, colourways=colourways, sizes=sizes,
        season=season,
    )  # fmt: skip
    changes_to(garment)  # bad details are refused before an image is stored
    shot, cut = _images(brand.pk, packshot, cutout)
    with transaction.atomic():
        garment = _garment_locked(garment)
        changes = changes_to(garment)
        if shot is not None:
            changes["packshot"] = shot.name
        if cut is not None:
            changes.update(
                cutout=cut.name, cutout_sha256=cut.sha256, cutout_computed=cutout is None
            )
        changed = [field for field, value in changes.items() if getattr(garment, field) != value]
        if changed:
            for field_name in changed:
                setattr(garment, field_name, changes[field_name])
            garment.save(update_fields=changed)
            audit_record(
                actor=actor.user,
                verb="garment.updated",
                obj=garment,
                brand=brand,
                payload={"sku": garment.sku, "changed": changed},
            )
    return garment


@transaction.atomic
def garment_archive(*, actor: Actor, garment: Garment, archived: bool) -> Garment:
    """Take a garment out of the catalogue, or put it back: the looks that wear it keep it,
    but new looks are not offered it."""
    brand = actor.require(Perm.MANAGE_GARMENTS)
    locked = (
        Garment.objects.select_for_update(of=("self",)).filter(pk=garment.pk, brand=brand).first()
    )
    if locked is None:
        raise NotFound("No such garment.")
    if (locked.archived_at is not None) != archived:
        locked.archived_at = timezone.now() if archived else None
        locked.save(update_fields=["archived_at"])
        audit_record(
            actor=actor.user,
            verb="garment.archived" if archived else "garment.restored",
            obj=locked,
            brand=brand,
            payload={"sku": locked.sku},
        )
    return locked


def _packshot_of(actor: Actor, garment: Garment) -> tuple[Brand, Image.Image]:
    brand = actor.require(Perm.MANAGE_GARMENTS)
    if garment.brand_id != brand.pk:
        raise NotFound("No such garment.")
    if not garment.packshot:
        raise Conflict("This garment has no packshot to cut out from.")
    return brand, _opened(str(garment.packshot))


def _painted(upload: IO[bytes], packshot: Image.Image, what: str) -> Image.Image:
    """A stylist's image painted over the packshot, checked like any upload, at its size."""
    painted, _kind = image_open_checked(
        upload.read(settings.IMAGE_MAX_BYTES + 1), max_pixels=settings.IMAGE_MAX_PIXELS
    )
    if painted.size != packshot.size:
        raise StudioError(
            f"The {what} is {painted.width}×{painted.height} pixels; it has to match the packshot,"
            f" {packshot.width}×{packshot.height}."
        )
    return painted


@media_kept()
def _cutout_replace(
    actor: Actor,
    brand: Brand,
    garment: Garment,
    cutout: Image.Image,
    verb: str,
    *,
    computed: bool = False,
    seen: str | None = None,
) -> Garment:
    cut = image_ingest(_png(cutout), prefix=f"garments/{brand.pk}")
    with transaction.atomic():
        garment = _garment_locked(garment)
        _still_seen(garment, seen)
        garment.cutout, garment.cutout_sha256 = cut.name, cut.sha256
        garment.cutout_computed = computed
        garment.save(update_fields=["cutout", "cutout_sha256", "cutout_computed"])
        audit_record(actor=actor.user, verb=verb, obj=garment, brand=brand)
    return garment


def garment_cutout_compute(*, actor: Actor, garment: Garment) -> Garment:
    """Start over: the cut-out computed from the packshot again, as on upload, whatever strokes
    or masks made the current one."""
    brand, packshot = _packshot_of(actor, garment)
    return _cutout_replace(
        actor,
        brand,
        garment,
        cutout_from_packshot(packshot),
        "garment.cutout_computed",
        computed=True,
    )


def garment_mask_correct(*, actor: Actor, garment: Garment, mask: IO[bytes]) -> Garment:
    """The stylist gives a whole mask (white keeps, black removes) at the packshot's size."""
    brand, packshot = _packshot_of(actor, garment)
    painted = _painted(mask, packshot, "mask")
    return _cutout_replace(
        actor, brand, garment, with_alpha(packshot, painted), "garment.mask_corrected"
    )


def _still_seen(garment: Garment, seen: str | None) -> None:
    """Strokes are painted over the cut-out the stylist saw (``seen``: its SHA-256; none: not
    known, not checked); once another change has replaced it they would correct a cut-out
    nobody looked at."""
    if seen and seen != garment.cutout_sha256:
        raise Conflict(
            "The cut-out changed since you opened it (someone else corrected it): look at the"
            " new one and paint your strokes again."
        )


def garment_cutout_refine(
    *, actor: Actor, garment: Garment, strokes: IO[bytes], seen: str | None = None
) -> Garment:
    """The stylist paints strokes over the packshot (green keeps, red removes, the rest
    transparent) in the cut-out editor; GrabCut runs again from the current cut-out, held to
    them. With ``seen``, the SHA-256 of the cut-out they were painted over, strokes meant for a
    cut-out that has changed since are refused, not applied to the new one."""
    brand, packshot = _packshot_of(actor, garment)
    _still_seen(garment, seen)
    keep, remove = strokes_read(_painted(strokes, packshot, "painting"))
    if not keep.any() and not remove.any():
        raise StudioError("Paint at least one stroke: green keeps, red removes.")
    current = _opened(str(garment.cutout)) if garment.cutout else cutout_from_packshot(packshot)
    refined = cutout_refine(packshot, current, keep, remove)
    return _cutout_replace(actor, brand, garment, refined, "garment.cutout_refined", seen=seen)


# --- CSV import of a product feed -----------------------------------------------------------------
@dataclass
class ImportReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    # Updated but archived: a feed lists past seasons too, so they stay out of the catalogue
    # until a stylist restores them.
    archived: list[str] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)  # (line number, reason)


def _split(value: str | None) -> list[str]:
    return [item.strip() for item in (value or "").replace("|", ";").split(";") if item.strip()]


def garment_import_csv(*, actor: Actor, file: IO[bytes]) -> ImportReport:
    """Import a product feed: good rows are created or updated by SKU, bad rows are reported
    line by line with the reason and change nothing. A file that is not a readable CSV with the
    needed columns is refused whole. The rows are checked first, then written in bulk, in one
    transaction, so a feed of 20,000 rows takes seconds and a few dozen queries."""
    brand = actor.require(Perm.MANAGE_GARMENTS)
    report = ImportReport()
    # A SKU in upper case (one garment, whatever its case) → (line, the SKU, its details)
    wanted: dict[str, tuple[int, str, dict[str, Any]]] = {}
    for count, (number, row, shifted) in enumerate(_feed_rows(file), start=1):
        if count > IMPORT_MAX_ROWS:
            report.errors.append((number, f"Only the first {IMPORT_MAX_ROWS} rows are read."))
            break
        try:
            if any("\x00" in value for value in row.values()):
                raise StudioError("A cell holds a NUL character (0x00): the export is damaged.")
            if shifted:  # its cells may each sit in another's column: none can be trusted
                raise StudioError(
                    "The row has more cells than the header has columns: a cell holds the"
                    " delimiter without quotes around it."
                )
            category = row.get("category", "").lower()
            sku, name = _clean_fields(row.get("sku", ""), row.get("name", ""), category)
            if sku.upper() in wanted:
                raise StudioError(f"SKU {sku} appears twice in the file.")
            details = _details(
                _split(row.get("colourways")), _split(row.get("sizes")), row.get("season", "")
            )
            wanted[sku.upper()] = (number, sku, {"name": name, "category": category, **details})
        except StudioError as exc:
            report.errors.append((number, exc.message))
    with transaction.atomic():
        # One import of a brand's feed at a time: a second waits, then finds the first's SKUs.
        # (NO KEY: the brand's other writes, which only reference its row, go on meanwhile.)
        Brand.objects.select_for_update(no_key=True).filter(pk=brand.pk).first()
        # Locked in id order, as a look's save and a garment's delete lock them.
        existing = {
            garment.key: garment
            for garment in Garment.objects.select_for_update(of=("self",))
            .annotate(key=Upper("sku"))
            .filter(brand=brand, key__in=list(wanted))
            .order_by("pk")
        }
        recategorised = [
            g.pk for key, g in existing.items() if g.category != wanted[key][2]["category"]
        ]
        looks: dict[int, list[str]] = {}
        for garment_id, look in LookItem.objects.filter(garment__in=recategorised).values_list(
            "garment_id", "look__name"
        ):
            looks.setdefault(garment_id, []).append(look)
        created, changed = [], []
        for key, (number, sku, values) in wanted.items():
            garment = existing.get(key)
            if garment is None:
                created.append(Garment(brand=brand, sku=sku, created_by=actor.user, **values))
                report.created.append(sku)
                continue
            if garment.pk in looks:
                report.errors.append((number, _worn(garment, looks[garment.pk]).message))
                continue
            if any(getattr(garment, field) != value for field, value in values.items()):
                changed.append(Garment(brand=brand, sku=garment.sku, **values))
            report.updated.append(garment.sku)  # as the catalogue spells it
            if garment.archived_at is not None:
                report.archived.append(garment.sku)
        try:
            Garment.objects.bulk_create(created, batch_size=IMPORT_BATCH)
        except IntegrityError as exc:  # added by hand meanwhile: nothing of the feed is kept
            raise Conflict(
                "A garment of this feed was added to the catalogue while it was read: import"
                " the feed again."
            ) from exc
        # Written as an upsert on the SKU, which each of them holds already (locked above):
        # bulk_update builds a CASE per row and field, 20 s of Python for 20,000 rows.
        Garment.objects.bulk_create(
            changed,
            batch_size=IMPORT_BATCH,
            update_conflicts=True,
            unique_fields=["brand", "sku"],
            update_fields=IMPORT_FIELDS,
        )
        report.errors.sort()
        audit_record(
            actor=actor.user,
            verb="garment.imported",
            brand=brand,
            payload={
                "created": len(report.created),
                "updated": len(report.updated),
                "errors": len(report.errors),
            },
        )
    return report


def _csv_error(exc: csv.Error) -> str:
    """The csv module's complaint, as a stylist can act on it."""
    if "end of data" in str(exc):
        return "a quoted cell starts there and never ends"
    if "expected after" in str(exc):
        return 'text follows the quote that ends a cell (a quote inside a cell is written "")'
    return str(exc)


def _feed_rows(file: IO[bytes]) -> list[tuple[int, dict[str, str], bool]]:
    """The feed's rows by line number, each a dict of its columns (lower case) to their stripped
    values, and whether it has cells past the header's columns (empty trailing ones aside: some
    exports end every row with delimiters); the whole file read before anything is imported, so
    one that breaks off changes nothing. Refused whole when it is too large, not UTF-8,
    unreadable as CSV or lacks a column a garment needs."""
    raw = file.read(IMPORT_MAX_BYTES + 1)
    if len(raw) > IMPORT_MAX_BYTES:
        raise StudioError(f"The file is larger than {IMPORT_MAX_BYTES // (1024 * 1024)} MB.")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise StudioError("The file is not UTF-8 text: export the feed as UTF-8 CSV.") from exc
    try:
        delimiter = csv.Sniffer().sniff(text[:4096], delimiters=",;\t").delimiter
    except csv.Error:
        delimiter = ","

    class Feed(csv.excel):
        """As spreadsheets write CSV, with the delimiter the file uses (only that is sniffed:
        the sniffer takes a sample without a doubled quote for a file that never doubles one,
        and would read a later "Boxy 12"" tee" as Boxy 12" tee")."""

        strict = True  # a quote left open would swallow every row after it, unreported

    Feed.delimiter = delimiter
    reader = csv.DictReader(io.StringIO(text), dialect=Feed)
    rows = []
    read = 0  # lines read up to the end of the last whole row, the header's first
    try:
        columns = {(c or "").strip().lower() for c in reader.fieldnames or []}
        read = reader.line_num
        # Numbered by the line each row starts on, as an editor shows the file: a quoted cell
        # can hold line breaks (a product description), and blank lines are skipped.
        for row in itertools.islice(reader, IMPORT_MAX_ROWS + 1):
            cells = [v for v in row.values() if isinstance(v, str)]
            extra = row.get(None)  # a row's cells past the header's columns
            cells += extra if isinstance(extra, list) else []
            rows.append((reader.line_num - sum(cell.count("\n") for cell in cells), row))
            read = reader.line_num
    except csv.Error as exc:  # a quote never closed, a cell past the 128 KiB limit, say
        raise StudioError(f"Line {read + 1} cannot be read as CSV: {_csv_error(exc)}.") from exc
    missing = [c for c in ("sku", "name", "category") if c not in columns]
    if missing:
        raise StudioError(
            f"The feed has no {', '.join(missing)} column (columns: {', '.join(IMPORT_COLUMNS)})."
        )
    return [
        (
            number,
            {(k or "").strip().lower(): v.strip() for k, v in row.items() if isinstance(v, str)},
            any(cell.strip() for cell in row.get(None) or []),
        )
        for number, row in rows
    ]


# --- Looks ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class LookItemInput:
    garment_id: int
    layer: int | None = None


def _look_items(brand_id: int, items: list[LookItemInput]) -> list[LookItem]:
    """Validated items: the brand's own garments, one per slot except accessories, and a dress
    (or one-piece) never with a top or a bottom."""
    if not items:
        raise StudioError("A look has at least one garment.")
    ids = [item.garment_id for item in items]
    if len(set(ids)) != len(ids):
        raise StudioError("A garment appears twice in the look.")
    # Locked, as deleting a garment locks it: a garment is never deleted under a look being saved.
    # In id order, so two saves sharing garments wait for each other rather than deadlock; and
    # only the garments: the catalogue's default order joins the brand, whose row every write of
    # the brand needs.
    chosen = (
        Garment.objects.select_for_update(of=("self",))
        .filter(brand=brand_id, pk__in=ids)
        .order_by("pk")
    )
    garments = {g.pk: g for g in chosen}
    unknown = [pk for pk in ids if pk not in garments]
    if unknown:
        raise StudioError(f"No such garment in your catalogue: {unknown}.")
    if any(item.layer is not None and not 0 <= item.layer <= LAYER_MAX for item in items):
        raise StudioError(f"A layer is a whole number from 0 to {LAYER_MAX}.")
    built = []
    for item in items:
        garment = garments[item.garment_id]
        slot = SLOT_OF[GarmentCategory(garment.category)]
        built.append(
            LookItem(
                garment=garment,
                slot=slot,
                layer=item.layer if item.layer is not None else DEFAULT_LAYER[slot],
            )
        )
    slots = [item.slot for item in built]
    doubled = sorted({s for s in slots if s != Slot.ACCESSORY and slots.count(s) > 1})
    if doubled:
        raise StudioError(f"One garment per slot: {', '.join(doubled)} is taken twice.")
    if Slot.DRESS in slots and (Slot.TOP in slots or Slot.BOTTOM in slots):
        raise StudioError("A dress or one-piece is worn without a separate top or bottom.")
    return built


def look_save(
    *,
    actor: Actor,
    name: str,
    items: list[LookItemInput],
    notes: str = "",
    look: Look | None = None,
) -> Look:
    """Create a look, or replace an existing one's name, notes and garments."""
    brand = actor.require(Perm.MANAGE_LOOKS)
    if not name.strip():
        raise StudioError("A look needs a name.")
    if len(name.strip()) > LOOK_NAME_MAX:
        raise StudioError(f"A look's name is at most {LOOK_NAME_MAX} characters.")
    notes = text_checked(notes, "a look's notes")
    with transaction.atomic():
        built = _look_items(brand.pk, items)
        if look is None:
            look = Look.objects.create(
                brand=brand, name=name.strip(), notes=notes, created_by=actor.user
            )
            verb = "look.created"
        else:
            look = Look.objects.select_for_update().filter(pk=look.pk, brand=brand).first()
            if look is None:
                raise NotFound("No such look.")
            look.name, look.notes = name.strip(), notes
            look.save(update_fields=["name", "notes", "updated_at"])
            look.items.all().delete()
            verb = "look.updated"
        for item in built:
            item.look = look
        LookItem.objects.bulk_create(built)
        audit_record(
            actor=actor.user,
            verb=verb,
            obj=look,
            brand=brand,
            payload={"garments": [item.garment.sku for item in built]},
        )
    return look


def look_duplicate(*, actor: Actor, look: Look) -> Look:
    """A copy of one of the brand's looks, its garments in their layers, to change."""
    brand = actor.require(Perm.MANAGE_LOOKS)
    own = Look.objects.filter(pk=look.pk, brand=brand).prefetch_related("items").first()
    if own is None:
        raise NotFound("No such look.")
    items = [LookItemInput(item.garment_id, item.layer) for item in own.items.all()]
    return look_save(actor=actor, name=_copy_name(own), notes=own.notes, items=items)


def _copy_name(look: Look) -> str:
    """The first name free among "Look (copy)", "Look (copy 2)", ...: a copy of a copy counts
    on from the original's name, and a long name is shortened to leave the count room."""
    base = COPY_SUFFIX.sub("", look.name)
    taken = set(
        Look.objects.filter(
            brand_id=look.brand_id, name__startswith=base[: LOOK_NAME_MAX - 20]
        ).values_list("name", flat=True)
    )
    count = 1
    while True:
        suffix = " (copy)" if count == 1 else f" (copy {count})"
        name = base[: LOOK_NAME_MAX - len(suffix)].rstrip() + suffix
        if name not in taken:
            return name
        count += 1


@transaction.atomic
def look_delete(*, actor: Actor, look: Look) -> None:
    """Delete a look no shot uses: a shot keeps the look its renders were made of. Locked, as
    queueing a matrix locks the looks it takes."""
    brand = actor.require(Perm.MANAGE_LOOKS)
    locked = Look.objects.select_for_update().filter(pk=look.pk, brand=brand).first()
    if locked is None:
        raise NotFound("No such look.")
    shots = Shot.objects.filter(look=locked).count()
    if shots:
        raise Conflict(
            f"The look {locked.name} stays: it is in {shots} shot{pluralize(shots)} of campaigns."
        )
    audit_record(
        actor=actor.user,
        verb="look.deleted",
        obj=locked,
        brand=brand,
        payload={
            "name": locked.name,
            "garments": [item.garment.sku for item in locked.items.select_related("garment")],
        },
    )
    locked.delete()


@transaction.atomic
def garment_delete(*, actor: Actor, garment: Garment) -> None:
    """Delete a garment no look wears. Its image files stay: files are stored by content, and
    another garment may share one."""
    brand = actor.require(Perm.MANAGE_GARMENTS)
    locked = (
        Garment.objects.select_for_update(of=("self",)).filter(pk=garment.pk, brand=brand).first()
    )
    if locked is None:
        raise NotFound("No such garment.")
    looks = Look.objects.filter(items__garment=locked).distinct().count()
    if looks:
        raise Conflict(
            f"{locked.name} is worn in {looks} look{pluralize(looks)}: take it out of"
            f" {'them' if looks > 1 else 'it'} first."
        )
    audit_record(
        actor=actor.user,
        verb="garment.deleted",
        obj=locked,
        brand=brand,
        payload={"sku": locked.sku, "name": locked.name},
    )
    locked.delete()
