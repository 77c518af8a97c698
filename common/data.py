"""Where the data lives, checking it, and fetching it for users who are online.

The data folder is `$REPRO_DATA_DIR` (the Makefile points it at ../shared/data when that exists),
else `~/.cache/repro-papers/data`. Paths below it follow the public releases:

    babi/tasks_1-20_v1-2/en/qa1_single-supporting-fact_train.txt     bAbI v1.2 (Weston et al. 2015)
    ptb/ptb.train.txt                                                Penn Treebank, Mikolov's version
    cifar10/cifar-10-batches-py/data_batch_1                         CIFAR-10, python version

`require(paths)` checks each file against data_checksums.txt (size and digest), downloads the
release archive from its canonical address when a file is missing and the machine is online,
and otherwise raises DataError with one line: the file, where it was looked for, how to fix it.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sys
import tarfile
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from common.errors import UserError

CHECKSUMS = Path(__file__).with_name("data_checksums.txt")
DEFAULT_DIR = Path.home() / ".cache" / "repro-papers" / "data"


class DataError(UserError, RuntimeError):
    """Missing or corrupt data; the message is one line naming the file and the fix."""


@dataclass(frozen=True)
class Release:
    """A public archive: where to get it, and how its members map to paths in the data folder."""
    url: str
    md5: str              # of the archive, as published with it
    member_prefix: str    # prefix inside the archive ...
    local_prefix: str     # ... replaced by this prefix in the data folder


RELEASES = {
    "babi": Release("http://www.thespermwhale.com/jaseweston/babi/tasks_1-20_v1-2.tar.gz",
                    "", "tasks_1-20_v1-2/", "babi/tasks_1-20_v1-2/"),
    "ptb": Release("http://www.fit.vutbr.cz/~imikolov/rnnlm/simple-examples.tgz",
                   "", "./simple-examples/data/", "ptb/"),
    "cifar10": Release("https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz",
                       "c58f30108f718f92721af3b95e74349a", "cifar-10-batches-py/",
                       "cifar10/cifar-10-batches-py/"),
}


def data_dir() -> tuple[Path, str]:
    """The data folder and a phrase saying where that choice came from."""
    env = os.environ.get("REPRO_DATA_DIR", "").strip()
    if env:
        return Path(env).expanduser(), "REPRO_DATA_DIR"
    return DEFAULT_DIR, "default cache; set REPRO_DATA_DIR to use another folder"


def _checksums() -> dict[str, list[tuple[str, str, int]]]:
    table: dict[str, list[tuple[str, str, int]]] = {}
    for line in CHECKSUMS.read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            digest, size, path = line.split(maxsplit=2)
            algo, hexval = digest.split(":", 1)
            table.setdefault(path, []).append((algo, hexval, int(size)))
    return table


def _digest(path: Path, algo: str) -> str:
    if algo == "gitblob":  # git hash-object: sha1 of "blob <size>\0" + content
        h = hashlib.sha1(f"blob {path.stat().st_size}\0".encode())
    else:
        h = hashlib.new(algo)
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


_verified: set[tuple[str, int, float]] = set()


def verify(path: Path, rel: str) -> None:
    """Raise DataError unless `path` matches one of the accepted digests for `rel`."""
    accepted = _checksums().get(rel)
    if not accepted:
        return  # not a catalogued file (e.g. made by the user); nothing to check against
    stat = path.stat()
    key = (str(path), stat.st_size, stat.st_mtime)
    if key in _verified:
        return
    for algo, hexval, size in accepted:
        if (size == 0 or size == stat.st_size) and _digest(path, algo) == hexval:
            _verified.add(key)
            return
    algo, hexval, size = accepted[0]
    raise DataError(f"data file {path} is corrupt or another version ({stat.st_size} bytes, expected "
                    f"{size} with {algo} {hexval[:12]}...); delete it and re-run to download it "
                    f"again, or replace it with the original from {_release_for(rel).url}")


def _release_for(rel: str) -> Release:
    for release in RELEASES.values():
        if rel.startswith(release.local_prefix):
            return release
    raise DataError(f"no public release is known for data file {rel}")


def require(*rels: str, download: bool | None = None) -> list[Path]:
    """Absolute, verified paths for data files given relative to the data folder.

    A missing file is downloaded (with its whole release archive) when `download` is True, or
    when it is None and REPRO_OFFLINE is not set; otherwise DataError."""
    root, origin = data_dir()
    if download is None:
        download = not os.environ.get("REPRO_OFFLINE")
    out = []
    for rel in rels:
        path = root / rel
        if not path.exists():
            try:
                release = _release_for(rel)
            except DataError:
                raise DataError(f"missing data file {rel} (looked in {root}, {origin}); it is not "
                                f"part of a downloadable release: copy it there") from None
            if not download:
                raise DataError(f"missing data file {rel} (looked in {root}, {origin}); set "
                                f"REPRO_DATA_DIR to a folder that holds it, or download "
                                f"{release.url} and unpack it so that the file lands there")
            fetch(release, root)
            if not path.exists():
                raise DataError(f"missing data file {rel}: {release.url} was downloaded to {root} "
                                f"but does not contain it")
        verify(path, rel)
        out.append(path)
    return out


def fetch(release: Release, root: Path) -> None:
    """Download a release archive (with a progress line) and unpack its members into `root`."""
    downloads = root / "downloads"
    try:
        downloads.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise DataError(f"cannot write to the data folder {root} ({e.strerror}); set REPRO_DATA_DIR "
                        f"to a writable folder") from None
    archive = downloads / release.url.rsplit("/", 1)[1]
    if not archive.exists():
        part = archive.with_suffix(archive.suffix + ".part")
        print(f"downloading {release.url} -> {archive}", file=sys.stderr, flush=True)
        try:
            with urllib.request.urlopen(release.url, timeout=30) as response, open(part, "wb") as f:
                total = int(response.headers.get("Content-Length") or 0)
                done, last = 0, -1
                for chunk in iter(lambda: response.read(1 << 20), b""):
                    f.write(chunk)
                    done += len(chunk)
                    pct = int(100 * done / total) if total else -1
                    if pct != last and pct % 5 == 0:
                        print(f"  {done >> 20} MiB" + (f" ({pct}%)" if total else ""),
                              file=sys.stderr, flush=True)
                        last = pct
        except (urllib.error.URLError, OSError, TimeoutError) as e:
            part.unlink(missing_ok=True)
            reason = getattr(e, "reason", None) or e
            raise DataError(f"cannot download {release.url} ({reason}); offline? set REPRO_DATA_DIR "
                            f"to a folder holding the data, or fetch the archive by hand into "
                            f"{downloads}") from None
        os.replace(part, archive)
    if release.md5 and _digest(archive, "md5") != release.md5:
        raise DataError(f"downloaded archive {archive} has the wrong md5 (expected {release.md5}); "
                        f"delete it and re-run")
    with tarfile.open(archive) as tar:
        for member in tar.getmembers():
            name = member.name
            if not member.isfile() or not name.startswith(release.member_prefix):
                continue
            target = root / (release.local_prefix + name[len(release.member_prefix):])
            target.parent.mkdir(parents=True, exist_ok=True)
            with tar.extractfile(member) as src, open(target, "wb") as dst:
                shutil.copyfileobj(src, dst)
