"""Tests of scripts/fetch_mnist.py against local HTTP servers on 127.0.0.1.

Three mirrors: one down (a closed port), one serving damaged files (wrong
content, not gzip at all, a 404), one serving the shipped data/mnist files.
No outside network is used.
"""
import gzip
import http.server
import os
import socket

import pytest

from purenn.io import mnist
from support import load_script, serving

NAMES = sorted(base + ".gz" for base in (
    "train-images-idx3-ubyte", "train-labels-idx1-ubyte",
    "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"))


fetch_mnist = load_script("fetch_mnist")


class _Handler(http.server.BaseHTTPRequestHandler):
    files = {}          # set per server: URL path -> bytes

    def do_GET(self):
        body = self.files.get(self.path)
        if body is None:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def _server(files):
    handler = type("Handler", (_Handler,), {"files": files})
    return http.server.HTTPServer(("127.0.0.1", 0), handler)


def _url(server):
    return "http://127.0.0.1:{}/mnist/".format(server.server_port)


@pytest.fixture(scope="module")
def mirrors():
    """Return URLs (down, damaged, good) of three local mirrors."""
    good = {}
    for name in NAMES:
        with open(os.path.join(mnist.DEFAULT_DIRECTORY, name), "rb") as f:
            good["/mnist/" + name] = f.read()
    damaged = {
        # valid gzip, wrong content: one label changed
        "/mnist/t10k-labels-idx1-ubyte.gz": gzip.compress(
            gzip.decompress(good["/mnist/t10k-labels-idx1-ubyte.gz"])[:-1] +
            b"\x00"),
        # not gzip at all
        "/mnist/train-labels-idx1-ubyte.gz": b"<html>Not found</html>",
        # cut in half
        "/mnist/t10k-images-idx3-ubyte.gz":
            good["/mnist/t10k-images-idx3-ubyte.gz"][:800000],
        # train-images-idx3-ubyte.gz missing: 404
    }
    # A port nothing listens on: bind, note the port, close.
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    down = "http://127.0.0.1:{}/mnist/".format(probe.getsockname()[1])
    probe.close()
    with serving(_server(damaged)) as bad, serving(_server(good)) as ok:
        yield down, _url(bad), _url(ok)


@pytest.fixture(autouse=True)
def no_proxy(monkeypatch):
    """Keep urllib from sending 127.0.0.1 requests to a configured proxy."""
    for name in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY",
                 "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")


def _run(dest, urls):
    argv = ["--dest", str(dest), "--timeout", "10"]
    for url in urls:
        argv += ["--mirror", url]
    return fetch_mnist.main(argv)


def test_falls_back_to_the_good_mirror(tmp_path, mirrors, capsys):
    down, damaged, good = mirrors
    dest = tmp_path / "mnist"
    assert _run(dest, [down, damaged, good]) == 0
    err = capsys.readouterr().err
    # Each damage is reported, then the good mirror used.
    assert "refused" in err.lower()          # the mirror that is down
    assert "SHA-256 of the decompressed data is" in err
    assert "not a valid gzip file" in err
    assert "HTTP Error 404" in err
    assert err.count("SHA-256 verified, saved to") == 4
    # Exactly the four files and SHA256SUMS, no temporary file left over.
    assert sorted(os.listdir(str(dest))) == ["SHA256SUMS"] + NAMES
    for name in NAMES:
        with open(str(dest / name), "rb") as got, \
                open(os.path.join(mnist.DEFAULT_DIRECTORY, name), "rb") as want:
            assert got.read() == want.read()
    assert len(mnist.verify_checksums(str(dest))) == 4


def test_every_mirror_bad_leaves_no_file(tmp_path, mirrors, capsys):
    down, damaged, _ = mirrors
    dest = tmp_path / "mnist"
    assert _run(dest, [down, damaged]) == 1
    err = capsys.readouterr().err
    assert "every mirror failed" in err
    assert "some files could not be fetched" in err
    assert os.listdir(str(dest)) == []


def test_present_valid_files_are_kept(tmp_path, mirrors, capsys):
    down, _, good = mirrors
    dest = tmp_path / "mnist"
    assert _run(dest, [good]) == 0
    capsys.readouterr()
    assert _run(dest, [down]) == 0
    assert capsys.readouterr().err.count("already present") == 4


def test_damaged_present_file_is_replaced(tmp_path, mirrors, capsys):
    _, _, good = mirrors
    dest = tmp_path / "mnist"
    assert _run(dest, [good]) == 0
    target = str(dest / "t10k-labels-idx1-ubyte.gz")
    with open(target, "wb") as f:
        f.write(b"garbage")
    capsys.readouterr()
    assert _run(dest, [good]) == 0
    assert "present but damaged" in capsys.readouterr().err
    assert len(mnist.verify_checksums(str(dest))) == 4


def test_known_sums_match_the_shipped_sums_file():
    with open(os.path.join(mnist.DEFAULT_DIRECTORY, "SHA256SUMS")) as f:
        shipped = dict(reversed(line.split()) for line in f if line.strip())
    assert shipped == fetch_mnist.SHA256
