"""Writing an index directory atomically: stage beside it, swap in with renames, clean up after kills.

Both ways of writing an index (a build, and `add`/`update`, which write a new copy) go through
here, so a reader always sees the old or the new index, never a mix, and a `kill -9` at any point
leaves the previous index usable.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

__all__ = ["clean_stale", "staging_dir", "swap_into_place"]


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # it exists, as another user's process
    return True


def clean_stale(out: Path) -> None:
    """Clear what killed builds and updates of `out` (SIGKILL, OOM killer, power loss) left beside it.

    No `finally` runs after SIGKILL, so their `.NAME.tmp-PID` staging directories stay behind,
    half-written, and would pile up at every crash. An `.NAME.old-PID` is the previous index, set
    aside for the instant between the two renames of `swap_into_place`: if `out` is missing, the
    kill came in that instant and the old index is put back; otherwise it is garbage. Directories of
    live processes (a concurrent build) are left alone.
    """
    if os.name != "posix" or not out.parent.is_dir():
        return  # os.kill(pid, 0) is a liveness probe only on POSIX
    pattern = re.compile(rf"\.{re.escape(out.name)}\.(tmp|old)-(\d+)")
    stale: list[tuple[str, Path]] = []
    for p in out.parent.iterdir():
        m = pattern.fullmatch(p.name)
        if m and p.is_dir() and not p.is_symlink() and not _pid_alive(int(m.group(2))):
            stale.append((m.group(1), p))
    for kind, p in sorted(stale, key=lambda kp: -kp[1].stat().st_mtime):  # newest old index first
        if kind == "old" and not out.exists():
            os.replace(p, out)
        else:
            shutil.rmtree(p, ignore_errors=True)


def staging_dir(out: Path) -> Path:
    """An empty temporary directory beside `out`: on the same file system, so the final rename is
    atomic, and hidden, so nothing mistakes it for an index. Leftovers of killed runs are cleared
    first (`clean_stale`)."""
    clean_stale(out)
    tmp = out.parent / f".{out.name}.tmp-{os.getpid()}"
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir()
    return tmp


def swap_into_place(tmp: Path, out: Path) -> None:
    """Replace `out` by `tmp` with renames only, so readers see the old or the new index, never a mix."""
    if not out.exists():
        os.replace(tmp, out)
        return
    old = out.parent / f".{out.name}.old-{os.getpid()}"
    os.replace(out, old)
    try:
        os.replace(tmp, out)
    except BaseException:
        os.replace(old, out)
        raise
    shutil.rmtree(old, ignore_errors=True)
