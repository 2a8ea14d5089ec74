"""Media on S3 through django-storages, against a local S3-compatible server (moto, on loopback).

Files are private: an unsigned request is refused, and the studio hands a permitted viewer a
short-lived signed URL only after checking their right to the object. (moto does not verify
presigned signatures or their expiry, so those are checked on the URL the studio issues.)
"""

import io
import shutil
import urllib.error
import urllib.request
from urllib.parse import parse_qs, urlsplit

import boto3
import pytest
from django.core.files.storage import default_storage
from django.urls import reverse
from PIL import Image

from campaigns.services import garment_create
from studio.enums import Role
from studio.permissions import actor_for
from tests.hostile import corpus, encoded

BUCKET = "studio-media"


@pytest.fixture(scope="module")
def s3_endpoint():
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def s3(settings, s3_endpoint, monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "studio-test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "studio-test-secret")
    client = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1")
    if BUCKET not in [b["Name"] for b in client.list_buckets()["Buckets"]]:
        client.create_bucket(Bucket=BUCKET)
    for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", []):
        client.delete_object(Bucket=BUCKET, Key=item["Key"])
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": BUCKET,
                "endpoint_url": s3_endpoint,
                "region_name": "us-east-1",
                "addressing_style": "path",
                "signature_version": "s3v4",
                "default_acl": "private",
                "querystring_auth": True,
                "querystring_expire": 300,
                "file_overwrite": False,
            },
        },
    }
    return client


def fetch(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 (loopback)
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, b""


@pytest.mark.django_db
def test_upload_then_read_back_through_a_signed_url_only(world, login, s3, s3_endpoint):
    cutout = encoded(Image.new("RGBA", (40, 50), (10, 200, 30, 128)), "PNG")
    stylist = actor_for(world.user("brand-a", Role.STYLIST))
    garment = garment_create(
        actor=stylist,
        sku="S3-1",
        name="Cloud coat",
        category="outerwear",
        cutout=io.BytesIO(cutout),
    )
    key = garment.cutout.name
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET)["Contents"]] == [key]
    with default_storage.open(key) as handle:
        stored = handle.read()
    assert Image.open(io.BytesIO(stored)).size == (40, 50)

    # Nothing is publicly readable: no grant to everyone, and a plain GET is refused.
    grants = s3.get_object_acl(Bucket=BUCKET, Key=key)["Grants"]
    assert not any("AllUsers" in str(grant.get("Grantee")) for grant in grants)
    assert fetch(f"{s3_endpoint}/{BUCKET}/{key}")[0] == 403

    # A permitted viewer is sent to a short-lived signed URL, which returns the stored bytes.
    response = login(world.user("brand-a", Role.SOCIAL_TEAM)).get(
        reverse("garment-cutout-file", args=[garment.pk])
    )
    assert response.status_code == 302
    signed = urlsplit(response.url)
    query = parse_qs(signed.query)
    assert f"{signed.scheme}://{signed.netloc}" == s3_endpoint
    assert query["X-Amz-Algorithm"] == ["AWS4-HMAC-SHA256"]
    assert query["X-Amz-Expires"] == ["300"]
    assert query["X-Amz-Signature"][0]
    assert fetch(response.url) == (200, stored)


@pytest.mark.django_db
def test_another_brand_gets_no_signed_url(world, login, s3):
    stylist = actor_for(world.user("brand-a", Role.STYLIST))
    garment = garment_create(
        actor=stylist,
        sku="S3-2",
        name="Rain cape",
        category="outerwear",
        cutout=io.BytesIO(encoded(Image.new("RGB", (8, 8)), "PNG")),
    )
    response = login(world.user("brand-b", Role.BRAND_ADMIN)).get(
        reverse("garment-cutout-file", args=[garment.pk])
    )
    assert response.status_code == 404
    assert "Location" not in response


@pytest.mark.django_db
def test_a_hostile_upload_stores_nothing_in_the_bucket(world, s3):
    stylist = actor_for(world.user("brand-a", Role.STYLIST))
    _name, content, _code = corpus()["png/zip polyglot"]
    from studio.images import ImageRejected

    with pytest.raises(ImageRejected):
        garment_create(
            actor=stylist, sku="S3-3", name="Bad", category="top", cutout=io.BytesIO(content)
        )
    assert s3.list_objects_v2(Bucket=BUCKET).get("Contents", []) == []


@pytest.mark.django_db
def test_a_sweep_deletes_from_the_bucket_only_what_nothing_refers_to(world, s3):
    from datetime import timedelta

    from campaigns.services import garment_delete
    from studio.media import media_sweep

    stylist = actor_for(world.user("brand-a", Role.STYLIST))

    def garment(sku: str, colour: tuple[int, int, int]):
        cutout = encoded(Image.new("RGBA", (16, 16), (*colour, 255)), "PNG")
        return garment_create(
            actor=stylist, sku=sku, name=sku, category="top", cutout=io.BytesIO(cutout)
        )

    kept, gone = garment("S3-K", (1, 2, 3)), garment("S3-G", (4, 5, 6))
    garment_delete(actor=stylist, garment=gone)
    listed = media_sweep(older_than=timedelta(0))
    assert listed.names == [gone.cutout.name]
    assert len(s3.list_objects_v2(Bucket=BUCKET)["Contents"]) == 2  # listing deletes nothing
    media_sweep(older_than=timedelta(0), delete=True)
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET)["Contents"]]
    assert keys == [kept.cutout.name]


@pytest.mark.django_db
def test_a_render_reads_its_inputs_from_the_bucket_and_stores_its_outputs_there(
    world, s3, settings, tmp_path, django_capture_on_commit_callbacks
):
    """Production storage end to end: the worker fetches the reference photo and the cut-outs
    from the bucket into its local cache, and the render and its thumbnail go to the bucket."""
    from campaigns.enums import JobState
    from campaigns.models import RenderJob
    from campaigns.services import matrix_queue, render_job_run, render_thumbnail_make
    from tests.campaigns.conftest import make_studio

    settings.VAR_DIR = tmp_path  # the worker's download cache lives under it
    studio = make_studio(world)
    shutil.rmtree(tmp_path / "cache")  # what the test's set-up fetched: the worker starts bare
    inputs = {o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET)["Contents"]}
    assert studio.look.items.get().garment.cutout.name in inputs
    with django_capture_on_commit_callbacks(execute=False):
        matrix_queue(actor=studio.director, campaign=studio.campaign, spec=studio.spec())
        done = render_job_run(job_id=str(RenderJob.objects.get().pk), worker="w")
    assert done.state == JobState.SUCCEEDED, done.error
    render = render_thumbnail_make(render_id=done.render.pk)
    keys = {o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET)["Contents"]}
    assert keys - inputs == {render.image.name, render.thumbnail.name}
    cached = [p.name for p in (tmp_path / "cache" / "media").rglob("*") if p.is_file()]
    cutout = studio.look.items.get().garment.cutout.name.rsplit("/", 1)[-1]
    assert len(cached) == 2 and cutout in cached  # the cut-out and the pose's reference photo
    with default_storage.open(render.image.name) as handle:
        assert Image.open(handle).size == (1024, 1280)


@pytest.mark.django_db
def test_a_training_reads_its_photos_from_the_bucket_and_names_one_gone(world, s3, ready_twin):
    """The worker copies the capture photos from the bucket into its scratch folder (a
    backend reads local files): a version trains; one whose photo was deleted from the bucket
    fails naming the photo, not with the OS's words for a path in the scratch folder."""
    from twins.enums import TrainingStatus
    from twins.services import twin_version_run, twin_version_train

    photo = ready_twin.photos.order_by("pk").first()
    assert photo.image.name in {o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET)["Contents"]}
    trained = twin_version_train(actor=world.talent_a.user, twin=ready_twin)
    done = twin_version_run(version_id=trained.pk, worker="w")
    assert done.status == TrainingStatus.SUCCEEDED, done.error
    front = done.annotations["poses"]["front"]["photo"]
    assert ready_twin.photos.filter(pk=front).exists()

    s3.delete_object(Bucket=BUCKET, Key=photo.image.name)
    again = twin_version_train(actor=world.talent_a.user, twin=ready_twin)
    failed = twin_version_run(version_id=again.pk, worker="w")
    assert failed.status == TrainingStatus.FAILED
    assert failed.error.startswith(f"MissingFile: Capture photo {photo.pk} (")
    assert failed.error.endswith("is missing from storage: upload it again.")
