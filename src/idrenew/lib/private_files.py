"""Files and folders only the service's own user may read: the data dir (SQLite database with
sessions, generated secrets, uploaded files) is created 0700 and its files 0600.

Used from ``settings.py`` at start-up, before logging is configured: a warning then goes to
stderr through the logging module's last-resort handler. Only the standard library.
"""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

logger = logging.getLogger("idrenew.security")

DIR_MODE = 0o700
FILE_MODE = 0o600


def private_dir(path: Path, *, tighten: bool = True) -> Path:
    """Create ``path`` (parents too) readable by the owner only; with ``tighten``, take the
    group and other bits off an existing folder, with a warning."""
    if not path.is_dir():
        path.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
        os.chmod(path, DIR_MODE)  # mkdir's mode passes through the umask
    elif tighten:
        _tighten(path, DIR_MODE)
    return path


def private_file(path: Path, *, create: bool = False, tighten: bool = True) -> Path:
    """With ``create``, create ``path`` empty and 0600 when it is missing (e.g. the SQLite
    file, so that SQLite never creates it under the umask); with ``tighten``, take the group
    and other bits off an existing file, with a warning."""
    if create:
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
        except FileExistsError:
            pass
        else:
            os.fchmod(fd, FILE_MODE)
            os.close(fd)
            return path
    if tighten and path.exists():
        _tighten(path, FILE_MODE)
    return path


def mode_of(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def _tighten(path: Path, allowed: int) -> None:
    current = mode_of(path)
    if not current & ~allowed & 0o077:
        return
    wanted = current & allowed
    try:
        os.chmod(path, wanted)
    except OSError as exc:
        logger.warning(
            "%s is readable by other users (mode %o) and cannot be tightened: %s",
            path,
            current,
            exc.strerror,
        )
        return
    logger.warning(
        "%s was readable by other users (mode %o); now %o (owner only)", path, current, wanted
    )
