"""Private media. Files go out only through views that have already checked the viewer's right to
the object the file belongs to: local files are streamed by Django, S3 objects are reached
through a short-lived signed URL. There is no public media URL.
"""

import hashlib
import mimetypes
import shutil
from collections.abc import Callable, Collection, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.files.storage import FileSystemStorage, Storage, default_storage
from django.db import connection, models
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.urls import reverse
from django.utils import timezone


def media_response(file: FieldFile, *, download_name: str | None = None) -> HttpResponseBase:
    if not file or not file.name:
        raise Http404("No file.")
    if isinstance(file.storage, FileSystemStorage):
        try:
            handle = file.storage.open(file.name, "rb")
        except FileNotFoundError as exc:
            raise Http404("The file is missing from storage.") from exc
        content_type = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
        response: HttpResponseBase = FileResponse(
            handle,
            content_type=content_type,
            filename=download_name or "",
            as_attachment=download_name is not None,
        )
        # A picture opened in a tab of its own is shown by the browser's viewer, which styles
        # its page inline; the file itself may run and load nothing.
        response["Content-Security-Policy"] = (
            "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox"
        )
    else:
        # A signed, time-limited URL (S3Storage with querystring_auth; see settings.STORAGES).
        response = HttpResponseRedirect(file.storage.url(file.name))
    response["Cache-Control"] = "private, max-age=300"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def media_url(viewname: str, pk: int, file: FieldFile) -> str:
    """The address of the permission-checked view that serves ``file``, naming the file's
    version: a browser holding an earlier file of the same object (media is cached for five
    minutes) fetches the new one once the object's file changes."""
    version = hashlib.sha256(file.name.encode()).hexdigest()[:12] if file.name else ""
    return f"{reverse(viewname, args=[pk])}?v={version}"


def local_path(file: FieldFile | str) -> Path:
    """A path on this machine with the file's bytes, for code that reads files (render and
    training backends): the file itself on local storage, else a cached download (by name,
    which is content-addressed, so a cached copy never goes stale). A plain name is looked up
    in the default storage."""
    storage, name = (default_storage, file) if isinstance(file, str) else (file.storage, file.name)
    if not name:
        raise FileNotFoundError("No file.")
    if isinstance(storage, FileSystemStorage):
        return Path(storage.path(name))
    cache = Path(settings.VAR_DIR) / "cache" / "media"
    target = cache / hashlib.sha256(name.encode()).hexdigest()[:32] / Path(name).name
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(target.suffix + ".part")
        with storage.open(name, "rb") as source, partial.open("wb") as out:
            shutil.copyfileobj(source, out)
        partial.replace(target)
    return target


class MissingFile(Exception):
    """A stored file that a worker needs is gone from storage (deleted by hand, or lost)."""

    def __init__(self, what: str) -> None:
        super().__init__(f"{what} is missing from storage: upload it again.")


def local_file(file: FieldFile | str, what: str) -> Path:
    """``local_path(file)``, or a MissingFile that says ``what`` is missing: an error a user
    reads, so it names the thing and not where on the server it was looked for."""
    try:
        path = local_path(file)
    except FileNotFoundError as exc:
        raise MissingFile(what) from exc
    if not path.is_file():
        raise MissingFile(what)
    return path


# --- Collecting files nothing refers to ----------------------------------------------------------
# Stored names are content-addressed and shared (two garments with the same cut-out keep one
# file), so deleting a row never deletes its file: a sweep does, for files no row names.

NameSource = Callable[[], Iterable[str]]
_name_sources: list[NameSource] = []


def media_names(source: NameSource) -> NameSource:
    """Register a source of stored names kept outside file fields (as a twin version's weights)."""
    _name_sources.append(source)
    return source


def media_in_use(among: Collection[str] | None = None) -> set[str]:
    """Every stored name a row refers to, or those of ``among``: each file field of every model,
    and the sources."""
    names: set[str] = set()
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if isinstance(field, models.FileField):
                rows = model._base_manager.exclude(**{field.name: ""})
                if among is not None:
                    rows = rows.filter(**{f"{field.name}__in": list(among)})
                names.update(name for (name,) in rows.values_list(field.name).iterator())
    for source in _name_sources:
        names.update(name for name in source() if name and (among is None or name in among))
    return names


# A stored file may be one a sweep found unused and is about to delete: an upload of the same
# bytes finds it stored and reuses it. So a storer holds this lock (shared) from storing a file,
# or finding it stored, until the row naming it commits, and a sweep holds it (exclusive) while
# it checks a batch of names once more and deletes them: either the sweep sees the row, or the
# storer finds the file gone and stores it again. A PostgreSQL advisory lock; on SQLite, the
# one-machine default, nothing is held and the second check only narrows the race.
MEDIA_LOCK = 0x6D65646961  # "media"


def _advisory(function: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {function}(%s)", [MEDIA_LOCK])


@contextmanager
def _held(kind: str) -> Iterator[None]:
    """MEDIA_LOCK held for this session (``kind``: "" exclusive, or "_shared")."""
    _advisory(f"pg_advisory_lock{kind}")
    try:
        yield
    finally:
        _advisory(f"pg_advisory_unlock{kind}")


@contextmanager
def media_kept() -> Iterator[None]:
    """Hold around storing a file and committing the row that names it (see MEDIA_LOCK)."""
    if connection.vendor != "postgresql":
        yield
    elif connection.in_atomic_block:  # the row commits with the caller's transaction
        _advisory("pg_advisory_xact_lock_shared")
        yield
    else:
        with _held("_shared"):
            yield


@contextmanager
def _media_swept() -> Iterator[None]:
    if connection.vendor != "postgresql":
        yield
    else:
        with _held(""):
            yield


def _walk(storage: Storage, folder: str = "") -> Iterator[str]:
    try:
        folders, files = storage.listdir(folder)
    except FileNotFoundError:  # a local media folder not made yet: nothing stored
        return
    for name in files:
        yield f"{folder}/{name}" if folder else name
    for sub in folders:
        yield from _walk(storage, f"{folder}/{sub}" if folder else sub)


@dataclass(frozen=True)
class Swept:
    names: list[str]
    size: int
    deleted: bool


SWEEP_BATCH = 100  # names deleted under one hold of the lock: uploads wait for one batch at most


def media_sweep(*, older_than: timedelta, delete: bool = False) -> Swept:
    """The stored files no row refers to and untouched for ``older_than`` (a file is stored a
    moment before the row naming it commits), deleted only when ``delete``. The names in use are
    read after the files are listed, so a row committed meanwhile keeps its file; each batch is
    checked again under the lock before it is deleted, so a file reused meanwhile stays too."""
    storage = default_storage
    before = timezone.now() - older_than
    candidates = [name for name in _walk(storage) if storage.get_modified_time(name) < before]
    in_use = media_in_use()
    sizes = {name: storage.size(name) for name in sorted(set(candidates) - in_use)}
    if not delete:
        return Swept(list(sizes), sum(sizes.values()), False)
    deleted: list[str] = []
    names = list(sizes)
    for start in range(0, len(names), SWEEP_BATCH):
        batch = names[start : start + SWEEP_BATCH]
        with _media_swept():
            reused = media_in_use(batch)
            for name in batch:
                if name not in reused:
                    storage.delete(name)
                    deleted.append(name)
    return Swept(deleted, sum(sizes[name] for name in deleted), True)
