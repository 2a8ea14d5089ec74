"""Private media. Files go out only through views that have already checked the viewer's right to
the object the file belongs to: local files are streamed by Django, S3 objects are reached
through a short-lived signed URL. There is no public media URL.
"""

import hashlib
import mimetypes
import shutil
from pathlib import Path

from django.conf import settings
from django.core.files.storage import FileSystemStorage, default_storage
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.urls import reverse


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
