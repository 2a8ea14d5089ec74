"""Sweeping stored media that no row refers to any more: files are shared by content, so a file
goes only when nothing refers to it; young files stay (one is stored a moment before its row
commits); listing changes nothing."""

import io
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command

from campaigns.demo import draw_cutout
from campaigns.services import garment_create, garment_delete
from studio.enums import Role
from studio.media import media_sweep
from studio.permissions import actor_for
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
