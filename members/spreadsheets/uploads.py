"""Uploaded rosters kept between the preview and the confirmation, so the clerk never
uploads twice: MEDIA_ROOT/imports/<uuid>/ holds the bytes and who uploaded them. The
token is a random UUID and is only honoured for the user who uploaded the file; the
confirmation validates the stored file again before writing."""

import json
import shutil
import time
import uuid
from pathlib import Path

from django.conf import settings

KEEP_SECONDS = 24 * 3600


def _root():
    return Path(settings.MEDIA_ROOT) / "imports"


def store(data, kind, user, filename):
    _purge_old()
    token = uuid.uuid4().hex
    folder = _root() / token
    folder.mkdir(parents=True)
    (folder / "upload").write_bytes(data)
    (folder / "meta.json").write_text(json.dumps(
        {"kind": kind, "user": user.pk, "filename": filename, "at": time.time()}
    ))
    return token


def load(token, user, kind):
    """The stored bytes and original file name, or None when the token is unknown, old,
    or belongs to someone else."""
    try:
        token = uuid.UUID(str(token)).hex
    except ValueError:
        return None
    folder = _root() / token
    try:
        meta = json.loads((folder / "meta.json").read_text())
        if meta["user"] != user.pk or meta["kind"] != kind:
            return None
        return (folder / "upload").read_bytes(), meta["filename"]
    except (OSError, ValueError, KeyError):
        return None


def discard(token):
    shutil.rmtree(_root() / uuid.UUID(str(token)).hex, ignore_errors=True)


def _purge_old():
    root = _root()
    if not root.exists():
        return
    limit = time.time() - KEEP_SECONDS
    for folder in root.iterdir():
        try:
            if folder.stat().st_mtime < limit:
                shutil.rmtree(folder, ignore_errors=True)
        except OSError:
            pass
