"""kombu's filesystem transport (the embedded default broker), with each message written whole
before any reader can see it.

kombu's own `_put` creates the message file under its final name and then writes into it. A
worker that lists the folder in between takes the still-empty file, fails to decode it and stops
("Unrecoverable error: JSONDecodeError", celery/kombu#1551); the message is lost with it. Here
the message is written under a name no reader takes (kombu's `_get` takes only names ending in
``.<queue>.msg``) and then renamed, which is atomic within one folder: a message is either not
there or complete.

`studio.celery.configure` selects this transport for ``filesystem://`` broker URLs. It also has no
default host, which kombu would otherwise warn about on every connection.
"""

import contextlib
import os
import uuid
from time import monotonic
from typing import Any

from kombu.exceptions import ChannelError
from kombu.transport import filesystem
from kombu.utils.encoding import str_to_bytes
from kombu.utils.json import dumps

PARTIAL = ".partial"  # the name a message is written under, before it is renamed into place


class Channel(filesystem.Channel):
    # kombu's base channel names the argument `message`, its filesystem channel `payload`.
    def _put(self, queue: str, payload: dict[str, Any], **kwargs: Any) -> None:  # type: ignore[override]
        """Put ``payload`` onto ``queue``, named as kombu names it (readers take the oldest
        first), but written in full before it appears."""
        name = f"{round(monotonic() * 1000)}_{uuid.uuid4()}.{queue}.msg"
        final = os.path.join(self.data_folder_out, name)
        try:
            with open(final + PARTIAL, "wb") as partial:
                partial.write(str_to_bytes(dumps(payload)))
            os.replace(final + PARTIAL, final)
        except OSError as exc:
            with contextlib.suppress(OSError):  # a disk that filled mid-write keeps no scraps
                os.unlink(final + PARTIAL)
            raise ChannelError(f"Cannot add file {final!r} to directory") from exc


class Transport(filesystem.Transport):
    Channel = Channel

    @property
    def default_connection_params(self) -> dict[str, Any]:
        """No host: a folder has none. (kombu's default of 'localhost' made every connection
        warn "No hostname was supplied", every 30 s in `make run`.)"""
        return {"port": self.default_port}
