"""Sweeping stored media that no row refers to any more: files are shared by content, so a file
goes only when nothing refers to it; young files stay (one is stored a moment before its row
commits); listing changes nothing."""

import io
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, default_storage
from django.core.management import CommandError, call_command
from django.db import connection, transaction

from campaigns.demo import draw_cutout
from campaigns.models import Garment
from campaigns.services import garment_create, garment_delete
from studio.enums import Role
from studio.media import media_sweep
from studio.permissions import actor_for
from tests.races import waiting
from twins.models import TwinVersion

pytestmark = [pytest.mark.django_db, pytest.mark.defaults]


@pytest.fixture
def leftovers(world):
    """Two garments sharing one cut-out (same bytes) and a third of its own; one of the pair and
    the third deleted. Plus a twin version's weights, named in a text field, and a stray file."""
    stylist = actor_for(world.user("brand-a", Role.STYLIST))
    coat = draw_cutout("outerwear", (120, 90, 60))

    def garment(sku: str, cutout: bytes):
        return garment_create(
            actor=stylist, sku=sku, name=sku, category="outerwear", cutout=io.BytesIO(cutout)
        )

    kept, pair, gone = (
        garment("K1", coat),
        garment("K2", coat),
        garment("G1", draw_cutout("dress", (9, 9, 9))),
    )
    assert kept.cutout.name == pair.cutout.name
    garment_delete(actor=stylist, garment=pair)
    garment_delete(actor=stylist, garment=gone)
    weights = default_storage.save("twins/1/v1/lora.safetensors", ContentFile(b"weights"))
    TwinVersion.objects.create(
        twin=world.twin_a,
        number=1,
        backend="lora",
        trigger_token="tw",
        started_by=world.talent_a.user,
        weights_uri=weights,
    )
    stray = default_storage.save("garments/stray.png", ContentFile(b"left by a crash"))
    return kept, gone, weights, stray


def test_a_sweep_lists_what_nothing_refers_to_and_deletes_only_that(world, leftovers, media_files):
    kept, gone, weights, stray = leftovers
    before = media_files()
    listed = media_sweep(older_than=timedelta(0))
    assert listed.names == sorted([gone.cutout.name, stray]) and not listed.deleted
    assert listed.size == default_storage.size(gone.cutout.name) + len(b"left by a crash")
    assert media_files() == before  # listing deletes nothing
    assert media_sweep(older_than=timedelta(hours=1)).names == []  # all of them are young

    swept = media_sweep(older_than=timedelta(0), delete=True)
    assert swept.names == listed.names and swept.deleted
    assert not default_storage.exists(gone.cutout.name) and not default_storage.exists(stray)
    for name in (
        kept.cutout.name,
        weights,
        world.garment_a.cutout.name,
        world.garment_b.cutout.name,
    ):
        assert default_storage.exists(name), name
    assert len(media_files()) == len(before) - 2
    assert media_sweep(older_than=timedelta(0)).names == []


def test_the_command_lists_by_default_and_deletes_when_told(leftovers):
    _kept, gone, _weights, stray = leftovers
    out = io.StringIO()
    call_command("media_sweep", stdout=out)  # 24 hours by default: these are minutes old
    assert out.getvalue() == "Unused, not deleted (add --delete): 0 files, 0.0 MB.\n"
    out = io.StringIO()
    call_command("media_sweep", "--older-than", "0", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[:2] == sorted([gone.cutout.name, stray])
    assert lines[2].startswith("Unused, not deleted (add --delete): 2 files,")
    assert default_storage.exists(stray)
    out = io.StringIO()
    call_command("media_sweep", "--older-than", "0", "--delete", stdout=out)
    assert out.getvalue().splitlines()[-1].startswith("Deleted: 2 files,")
    assert not default_storage.exists(stray) and not default_storage.exists(gone.cutout.name)
    with pytest.raises(CommandError, match="0 or more"):
        call_command("media_sweep", "--older-than", "-1")


def test_a_studio_that_stored_nothing_yet_has_nothing_to_sweep(settings):
    Path(settings.MEDIA_ROOT).rmdir()  # a fresh install: the first upload makes the folder
    assert media_sweep(older_than=timedelta(0), delete=True).names == []


# --- An upload that reuses a file a sweep is deleting --------------------------------------------
# Names are content-addressed: an upload whose bytes equal an unused file's finds it stored and
# reuses it. A sweep must not delete it under the row that now names it.


class PausingStorage(FileSystemStorage):
    """The test's media folder, with a hook a test sets to pause a delete before it happens."""

    before_delete = None

    def delete(self, name: str) -> None:
        if PausingStorage.before_delete is not None:
            PausingStorage.before_delete(name)
        super().delete(name)


def sweep(swept: list[list[str]]) -> None:
    """Delete what is unused, in its own connection; what it deleted goes to ``swept``."""
    try:
        swept.append(media_sweep(older_than=timedelta(0), delete=True).names)
    finally:
        connection.close()


@pytest.fixture
def unused_coat(world, settings):
    """A cut-out no row names any more (its garment deleted), a stray beside it, and a function
    that adds a garment with the same cut-out, in its own connection."""
    if connection.vendor != "postgresql":
        pytest.skip("the sweep's lock is PostgreSQL's (SQLite runs on one machine)")
    stylist = actor_for(world.user("brand-a", Role.STYLIST))
    coat = draw_cutout("outerwear", (120, 90, 60))
    gone = garment_create(
        actor=stylist, sku="C1", name="Coat", category="outerwear", cutout=io.BytesIO(coat)
    )
    garment_delete(actor=stylist, garment=gone)
    stray = default_storage.save("garments/stray.png", ContentFile(b"left by a crash"))

    def add_again(outcome: list[str]) -> None:
        try:
            garment = garment_create(
                actor=stylist, sku="C2", name="Coat", category="outerwear", cutout=io.BytesIO(coat)
            )
            outcome.append(garment.cutout.name)
        except Exception as exc:
            outcome.append(f"{type(exc).__name__}: {exc}")
        finally:
            connection.close()

    return gone.cutout.name, stray, add_again


@pytest.mark.django_db(transaction=True)
def test_a_sweep_waits_for_an_upload_that_reuses_an_unused_file_and_keeps_it(world, unused_coat):
    cutout, stray, add_again = unused_coat
    added: list[str] = []
    swept: list[list[str]] = []
    upload = threading.Thread(target=add_again, args=(added,))
    sweeper = threading.Thread(target=sweep, args=(swept,))
    with transaction.atomic():
        # Hold the upload after it found its cut-out stored and before its garment commits: an
        # uncommitted garment of the same brand and SKU makes its insert wait.
        Garment.objects.create(brand=world.brand_a, sku="C2", name="Held", category="outerwear")
        upload.start()
        waiting(1, upload)
        sweeper.start()
        waiting(2, sweeper)  # the sweep has listed the files and waits to delete them
        transaction.set_rollback(True)
    upload.join(10)
    sweeper.join(10)
    assert added == [cutout]
    assert swept == [[stray]]
    assert default_storage.exists(cutout) and not default_storage.exists(stray)
    assert Garment.objects.get(sku="C2").cutout.name == cutout


@pytest.mark.django_db(transaction=True)
def test_an_upload_that_reuses_a_file_a_sweep_is_deleting_waits_and_stores_it_again(
    world, unused_coat, settings
):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": f"{__name__}.PausingStorage",
            "OPTIONS": {"location": settings.MEDIA_ROOT, "base_url": None},
        },
    }
    cutout, stray, add_again = unused_coat
    deleting, go = threading.Event(), threading.Event()
    added: list[str] = []
    swept: list[list[str]] = []

    def pause(name: str) -> None:
        if name == cutout:
            deleting.set()
            go.wait(10)

    PausingStorage.before_delete = pause
    try:
        upload = threading.Thread(target=add_again, args=(added,))
        sweeper = threading.Thread(target=sweep, args=(swept,))
        sweeper.start()
        assert deleting.wait(10)
        upload.start()
        waiting(1, upload)  # the upload waits for the sweep's batch
    finally:
        go.set()
        sweeper.join(10)
        upload.join(10)
        PausingStorage.before_delete = None
    assert swept == [sorted([cutout, stray])]  # deleted, then stored again by the upload
    assert added == [cutout]
    assert default_storage.exists(cutout) and not default_storage.exists(stray)
    assert Garment.objects.get(sku="C2").cutout.name == cutout
