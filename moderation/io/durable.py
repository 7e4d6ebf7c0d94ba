"""Durable writes: the one policy for every file and folder moderation keeps.

Every write that must survive a crash goes through this module (``label --out``, the annotate
labels file, the server's feedback file, model folders), under one policy:

- **Replacing a file** (:func:`replacing`): the new content goes into a new file in the same
  folder (anonymous with ``O_TMPFILE``, else ``.<name>.<pid>.<random>.partial``), is fsynced,
  renamed over the old file, and the folder is fsynced, so the name holds the old or the new
  content, never a mix, after a crash or a power cut. A symlink is written through: its target
  is replaced and the link stays a link. A file with other hard links is copied in place once
  the complete new content is fsynced beside it (renaming would give its names different
  contents); only that copy is not atomic.
- **Appending** (:func:`append`): all the bytes are written and fsynced; if anything fails
  (a full disk, a file size limit, an interruption) the file is cut back to its size before
  the append and fsynced, so it is exactly as it was. The caller holds the lock that makes it
  the only writer.
- **Swapping a folder** (:func:`staged_folder`): the new folder is built beside the old one,
  each file fsynced, then exchanged with it in one step (``renameat2(RENAME_EXCHANGE)`` on
  Linux, ``renamex_np(RENAME_SWAP)`` on macOS), and the parent folder fsynced: the name always
  holds a complete folder, old or new. Where the system cannot exchange, the name becomes a
  symlink to a versioned folder (``.<name>.<pid>.<random>.version``) and a new link is renamed
  over it; only the first such swap of a real folder has a moment without one.

What a killed process leaves (``.<name>.<pid>.<random>.<kind>``) is removed by the next write
of the same name, once that process is gone.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import fcntl
import os
import re
import secrets
import shutil
import stat
import sys
from dataclasses import dataclass, field
from pathlib import Path

BUFFER = 1 << 16
AT_FDCWD = -100
RENAME_EXCHANGE = 2  # linux/fs.h
RENAME_SWAP = 2  # macOS stdio.h
NO_EXCHANGE = (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP, errno.ENOTSUP)
WORK = re.compile(r"(\d+)\.[0-9a-f]{8}\.(partial|staging|version|link|retired)")
"""What follows ``.<name>.`` in the name of work in progress: the writer's pid, a random part, the kind."""
SWAPPING = ("version", "link", "retired")
"""Kinds that exist only during a folder swap, under :func:`folder_lock` (or after a crash)."""


# -- names of work in progress -------------------------------------------------------------


def work_name(name: str, kind: str) -> str:
    """The name of something being written for ``name``: ``.<name>.<pid>.<random>.<kind>``."""
    return f".{name}.{os.getpid()}.{secrets.token_hex(4)}.{kind}"


def remove_stale(folder: Path, name: str, swapping: bool = False) -> None:
    """Remove what killed writers of ``folder/name`` left beside it (their process is gone).

    ``swapping`` (with :func:`folder_lock` held): also every versioned folder, link and retired
    folder except the version ``name`` links to, whoever wrote them, since those exist only
    while a writer holds that lock.
    """
    target = folder / name
    live = os.readlink(target) if target.is_symlink() else None
    prefix = f".{name}."
    try:
        names = list(folder.iterdir())
    except OSError:
        return  # a folder we may write but not list: nothing we can find to clean
    for leftover in names:
        work = WORK.fullmatch(leftover.name[len(prefix) :]) if leftover.name.startswith(prefix) else None
        if work is None or leftover.name == live:
            continue
        if (swapping and work.group(2) in SWAPPING) or not process_alive(int(work.group(1))):
            remove(leftover)


@contextlib.contextmanager
def folder_lock(folder: Path):
    """An exclusive lock on ``folder`` (``flock`` on the folder itself) while folders in it are swapped."""
    descriptor = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield
    finally:
        os.close(descriptor)  # releases the lock


def process_alive(pid: int) -> bool:
    """True if process ``pid`` exists (also one we may not signal): what it writes is not stale."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove(path: Path) -> None:
    """Remove a file, a symlink or a folder tree, if it is there."""
    with contextlib.suppress(FileNotFoundError):
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)  # another cleaner may be removing it too
        else:
            os.unlink(path)


# -- primitives ------------------------------------------------------------------------------


def write_all(descriptor: int, data: bytes) -> None:
    """Write every byte of ``data`` (``os.write`` may write only part)."""
    view = memoryview(data)
    while view:
        view = view[os.write(descriptor, view) :]


def fsync_folder(folder: Path) -> None:
    """fsync a folder, so that the names created, renamed or removed in it survive a power cut."""
    descriptor = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def write_new_file(path: Path, data: bytes) -> None:
    """Create ``path`` (it must not exist) with ``data``, fsynced (the folder is not)."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o666)
    try:
        write_all(descriptor, data)
        os.fsync(descriptor)
    except BaseException:
        os.close(descriptor)
        with contextlib.suppress(OSError):
            os.unlink(path)
        raise
    os.close(descriptor)


def append(descriptor: int, data: bytes) -> None:
    """Append ``data`` durably to the file open (``O_APPEND``) on ``descriptor``, or leave the
    file exactly as it was: on any failure it is cut back to its size before, and the error
    raised. The caller must be the only writer (hold its lock)."""
    size = os.fstat(descriptor).st_size
    try:
        write_all(descriptor, data)
        os.fsync(descriptor)
    except BaseException:
        with contextlib.suppress(OSError):
            os.ftruncate(descriptor, size)
            os.fsync(descriptor)
        raise


# -- replacing a file ------------------------------------------------------------------------


def new_file(folder: Path, name: str) -> tuple[int, Path | None]:
    """A new file in ``folder`` to write the next content of ``name`` into: anonymous
    (``O_TMPFILE``, path None) where the system can name it later, else named
    ``.<name>.<pid>.<random>.partial``."""
    if hasattr(os, "O_TMPFILE") and os.path.isdir("/proc/self/fd"):
        try:
            return os.open(folder, os.O_TMPFILE | os.O_RDWR | os.O_CLOEXEC, 0o666), None
        except OSError as error:
            if error.errno not in (errno.EOPNOTSUPP, errno.EISDIR, errno.EINVAL):
                raise
    partial = folder / work_name(name, "partial")
    return os.open(partial, os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o666), partial


def name_anonymous_file(descriptor: int, path: Path) -> None:
    """Give an ``O_TMPFILE`` file a name (``linkat`` with ``AT_SYMLINK_FOLLOW`` on its
    /proc/self/fd link: ``os.link`` asks for that only when given a directory descriptor)."""
    folder = os.open(path.parent, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        os.link(f"/proc/self/fd/{descriptor}", path.name, dst_dir_fd=folder, follow_symlinks=True)
    finally:
        os.close(folder)


def give_owner(descriptor: int, existing: os.stat_result) -> bool:
    """Give the new file the old one's owner and group; False if we may not."""
    if (existing.st_uid, existing.st_gid) == (os.geteuid(), os.getegid()):
        return True
    try:
        os.fchown(descriptor, existing.st_uid, existing.st_gid)
        return True
    except PermissionError:
        return False


@dataclass
class Replacement:
    """The next content of a file, being written: write ``descriptor``, then :meth:`commit`;
    :meth:`close` without committing leaves the file as it was (see :func:`replacing`)."""

    descriptor: int  # the new file, open for reading and writing
    path: Path  # the file it replaces (a symlink's target)
    in_place: bool = False  # copied over the old file's content rather than renamed over it
    partial: Path | None = None  # its temporary name, if it has one

    @classmethod
    def start(cls, path: Path) -> Replacement:
        """A new file to replace ``path`` with, with the old file's permissions and owner (a
        file whose owner we cannot give back is copied in place, like one with other hard
        links)."""
        real = Path(os.path.realpath(path))  # a symlink's target is replaced, not the link
        remove_stale(real.parent, real.name)
        try:
            existing = os.stat(real)
        except FileNotFoundError:
            existing = None
        descriptor, partial = new_file(real.parent, real.name)
        replacement = cls(descriptor, real, partial=partial)
        try:
            if existing is not None:
                os.fchmod(descriptor, stat.S_IMODE(existing.st_mode))
                replacement.in_place = existing.st_nlink > 1 or not give_owner(descriptor, existing)
        except BaseException:
            replacement.close()
            raise
        return replacement

    def commit(self) -> None:
        """Make the new content the file's, durably (raises ``OSError`` if that fails)."""
        os.fsync(self.descriptor)
        if self.in_place:
            with open(self.path, "r+b") as target:
                target.truncate(0)
                offset = 0
                while block := os.pread(self.descriptor, BUFFER, offset):
                    target.write(block)
                    offset += len(block)
                target.flush()
                os.fsync(target.fileno())
            return
        if self.partial is None:
            self.partial = self.path.parent / work_name(self.path.name, "partial")
            name_anonymous_file(self.descriptor, self.partial)
        os.replace(self.partial, self.path)
        self.partial = None
        fsync_folder(self.path.parent)

    def close(self) -> None:
        """Close the new file; if it was not committed, remove it."""
        if self.descriptor >= 0:
            os.close(self.descriptor)
            self.descriptor = -1
        if self.partial is not None:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self.partial)
            self.partial = None


@contextlib.contextmanager
def replacing(path: Path):
    """A :class:`Replacement` for ``path``, closed (and discarded unless committed) at the end."""
    replacement = Replacement.start(path)
    try:
        yield replacement
    finally:
        replacement.close()


def replace_file(path: Path, data: bytes) -> None:
    """Replace ``path``'s content with ``data`` under the policy of :func:`replacing`."""
    with replacing(path) as replacement:
        write_all(replacement.descriptor, data)
        replacement.commit()


# -- swapping a folder -----------------------------------------------------------------------


def folder_location(target: Path) -> Path:
    """Where a folder named ``target`` really is: a symlink we made (to a versioned folder
    beside it) stays the name to swap; any other symlink is written through, like a file's."""
    target = Path(os.path.abspath(target))
    if target.is_symlink() and is_version_link(target):
        return Path(os.path.realpath(target.parent)) / target.name
    return Path(os.path.realpath(target))


def is_version_link(path: Path) -> bool:
    """True for a symlink to ``.<its name>.<pid>.<random>.version`` beside it."""
    value = os.readlink(path)
    return "/" not in value and value.startswith(f".{path.name}.") and value.endswith(".version")


def exchange(first: Path, second: Path) -> bool:
    """Exchange two names atomically; False if this system or file system cannot."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
    except OSError:
        return False
    if sys.platform.startswith("linux") and hasattr(libc, "renameat2"):
        call = libc.renameat2
        call.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
        result = call(AT_FDCWD, os.fsencode(first), AT_FDCWD, os.fsencode(second), RENAME_EXCHANGE)
    elif sys.platform == "darwin" and hasattr(libc, "renamex_np"):
        call = libc.renamex_np
        call.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_uint]
        result = call(os.fsencode(first), os.fsencode(second), RENAME_SWAP)
    else:
        return False
    if result == 0:
        return True
    code = ctypes.get_errno()
    if code in NO_EXCHANGE:
        return False
    raise OSError(code, os.strerror(code), str(first), None, str(second))


@dataclass
class StagedFolder:
    """The next content of a folder, being built (see :func:`staged_folder`)."""

    path: Path  # build the new folder here
    target: Path  # the folder it replaces
    committed: bool = field(default=False, init=False)

    def commit(self) -> None:
        """Swap the new folder in, durably (raises ``OSError`` if that fails)."""
        fsync_folder(self.path)
        target = self.target
        with folder_lock(target.parent):
            if not os.path.lexists(target):
                os.rename(self.path, target)
                retired = []
            elif exchange(self.path, target):
                retired = [self.path]  # now holds the old folder (or our old symlink)
                if self.path.is_symlink():
                    retired.append(self.path.parent / os.readlink(self.path))
            else:
                retired = self.link_swap()
            fsync_folder(target.parent)
            self.committed = True
            for old in retired:
                remove(old)

    def link_swap(self) -> list[Path]:
        """Without an exchange: point the name at a versioned folder by renaming a new symlink
        over it; returns what is left to remove (the old versioned folder, or the old folder)."""
        parent, target = self.target.parent, self.target
        version = parent / work_name(target.name, "version")
        link = parent / work_name(target.name, "link")
        os.rename(self.path, version)
        try:
            os.symlink(version.name, link)
            if target.is_symlink():
                old = parent / os.readlink(target)
                os.replace(link, target)
                return [old]
            # A real folder cannot be replaced by a symlink in one step: the one moment without it.
            retired = parent / work_name(target.name, "retired")
            os.rename(target, retired)
            try:
                os.replace(link, target)
            except BaseException:
                os.rename(retired, target)
                raise
            return [retired]
        except BaseException:
            remove(link)
            remove(version)
            raise


@contextlib.contextmanager
def staged_folder(target: Path):
    """A :class:`StagedFolder` for ``target``: write its files (:func:`write_new_file`), then
    call ``commit()``. Leaving the block without committing removes it and leaves ``target``
    as it was. The new folder gets the permissions a new folder would (not ``mkdtemp``'s 0700)."""
    real = folder_location(target)
    with folder_lock(real.parent):
        remove_stale(real.parent, real.name, swapping=True)
    path = real.parent / work_name(real.name, "staging")
    os.mkdir(path, 0o777)
    staged = StagedFolder(path, real)
    try:
        yield staged
    finally:
        if not staged.committed:
            remove(path)
