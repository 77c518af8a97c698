"""common/data.py: finding, verifying and fetching data files, and its one-line errors."""

import hashlib
import io
import tarfile
from pathlib import Path

import pytest

from common import data
from common.data import DataError, Release, require

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data"
QA1 = "babi/tasks_1-20_v1-2/en/qa1_single-supporting-fact_train.txt"


def test_missing_file_offline_is_one_line(tmp_path, monkeypatch):
    monkeypatch.setenv("REPRO_DATA_DIR", str(tmp_path))
    with pytest.raises(DataError) as e:
        require(QA1, download=False)
    msg = str(e.value)
    assert "\n" not in msg
    assert msg == (f"missing data file {QA1} (looked in {tmp_path}, REPRO_DATA_DIR); set "
                   f"REPRO_DATA_DIR to a folder that holds it, or download "
                   f"{data.RELEASES['babi'].url} and unpack it so that the file lands there")


def test_default_folder_when_unset(monkeypatch):
    monkeypatch.delenv("REPRO_DATA_DIR", raising=False)
    root, origin = data.data_dir()
    assert root == data.DEFAULT_DIR and "set REPRO_DATA_DIR" in origin


def test_corrupt_file_is_reported(tmp_path, monkeypatch):
    monkeypatch.setenv("REPRO_DATA_DIR", str(tmp_path))
    path = tmp_path / QA1
    path.parent.mkdir(parents=True)
    path.write_text("1 Mary moved to the bathroom.\n")
    with pytest.raises(DataError, match=r"is corrupt or another version \(30 bytes, expected 94346"):
        require(QA1, download=False)


def test_unreachable_download_is_one_line(tmp_path, monkeypatch):
    monkeypatch.setenv("REPRO_DATA_DIR", str(tmp_path))
    monkeypatch.setitem(data.RELEASES, "ptb", Release(f"file://{tmp_path}/nowhere.tgz", "",
                                                      "./simple-examples/data/", "ptb/"))
    with pytest.raises(DataError) as e:
        require("ptb/ptb.valid.txt", download=True)
    assert "\n" not in str(e.value) and str(e.value).startswith("cannot download file://")


def test_fetch_unpacks_a_release_archive(tmp_path, monkeypatch):
    """A stand-in archive with the release's layout, served from a file:// URL."""
    body = b" a b c\n"
    archive = tmp_path / "simple-examples.tgz"
    with tarfile.open(archive, "w:gz") as tar:
        info = tarfile.TarInfo("./simple-examples/data/ptb.toy.txt")
        info.size = len(body)
        tar.addfile(info, io.BytesIO(body))
    root = tmp_path / "data"
    monkeypatch.setenv("REPRO_DATA_DIR", str(root))
    monkeypatch.setitem(data.RELEASES, "ptb", Release(f"file://{archive}", hashlib.md5(archive.read_bytes()).hexdigest(),
                                                      "./simple-examples/data/", "ptb/"))
    (path,) = require("ptb/ptb.toy.txt", download=True)
    assert path == root / "ptb/ptb.toy.txt" and path.read_bytes() == body
    assert (root / "downloads" / "simple-examples.tgz").exists()


def test_git_blob_digest_matches_git(tmp_path):
    path = tmp_path / "f.txt"
    path.write_bytes(b"hello\n")
    assert data._digest(path, "gitblob") == "ce013625030ba8dba906f756967f9e9ca394464a"  # git hash-object


def test_checksum_table_covers_every_release_file():
    table = data._checksums()
    assert sum(p.startswith("babi/tasks_1-20_v1-2/en/") for p in table) == 40
    assert sum(p.startswith("babi/tasks_1-20_v1-2/en-10k/") for p in table) == 40
    assert {"ptb/ptb.train.txt", "ptb/ptb.valid.txt", "ptb/ptb.test.txt"} <= set(table)
    assert len(table["cifar10/cifar-10-batches-py/data_batch_1"]) == 2  # rebuilt copy + original md5


@pytest.mark.skipif(not SHARED.exists(), reason="shared data folder not present")
def test_shared_data_verifies(monkeypatch):
    monkeypatch.setenv("REPRO_DATA_DIR", str(SHARED))
    paths = require(QA1, "ptb/ptb.valid.txt", download=False)
    assert all(p.exists() for p in paths)
