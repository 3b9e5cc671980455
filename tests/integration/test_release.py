# SPDX-License-Identifier: MIT
"""The release (issue 23): the version has one home, the file VERSION, and this test fails
when any place disagrees with it: each program's --version, the JSON, JUnit and HTML
reports, the man pages' .TH lines, debian/changelog and NEWS.md (socks4kit.pc: see
test_library.py, which installs it). The library's soname follows its own policy
(lib/module.mk: LIB_MAJOR changes only on an ABI break) and the Debian package of the
shared library is named after it. And a cheap form of `make repro-check`: the library
and socks4-client built in two folders give the same bytes."""
import json
import pathlib
import re
import shutil
import subprocess

from conftest import binary

ROOT = pathlib.Path(__file__).resolve().parents[2]
VERSION = (ROOT / "VERSION").read_text().strip()


def test_version_file():
    assert re.fullmatch(r"\d+\.\d+\.\d+", VERSION), VERSION
    assert (ROOT / "VERSION").read_text() == VERSION + "\n"


def test_every_program_says_the_version():
    for prog in ("socks4-test", "socks4-server", "socks4-client"):
        p = subprocess.run([binary(prog), "--version"], capture_output=True, text=True,
                           timeout=30)
        assert p.returncode == 0 and p.stdout == f"{prog} (socks4kit) {VERSION}\n", p


def test_reports_name_the_version_that_wrote_them(tmp_path):
    out = {fmt: tmp_path / f"report.{fmt}" for fmt in ("json", "junit", "html")}
    p = subprocess.run([binary("socks4-test"), "--crash-dir", str(tmp_path / "crashes"),
                        *[a for fmt, f in out.items() for a in ("--report", f"{fmt}:{f}")],
                        "preflight"], capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stdout + p.stderr
    assert json.loads(out["json"].read_text())["version"] == VERSION
    junit = out["junit"].read_text()
    assert f'<property name="socks4kit.version" value="{VERSION}"/>' in junit
    assert f", socks4-test {VERSION}. " in out["html"].read_text()


def test_man_pages_debian_changelog_and_news_name_the_version():
    for page in sorted((ROOT / "man").iterdir()):
        th = re.search(r'^\.TH \S+ [1-8] \S+ "socks4kit ([^"]+)"', page.read_text(), re.M)
        assert th and th.group(1) == VERSION, page.name
    changelog = (ROOT / "debian" / "changelog").read_text()
    assert changelog.startswith(f"socks4kit ({VERSION}) "), changelog.split("\n")[0]
    news = (ROOT / "NEWS.md").read_text()
    first = re.search(r"^## (.*)$", news, re.M).group(1)
    assert first.split()[0] == VERSION, first


def test_soname_and_debian_library_package_agree():
    major = re.search(r"^LIB_MAJOR\s*:=\s*(\d+)$", (ROOT / "lib" / "module.mk").read_text(),
                      re.M).group(1)
    debian = ROOT / "debian"
    assert re.findall(r"^Package: (libsocks4kit\d+)$", (debian / "control").read_text(),
                      re.M) == [f"libsocks4kit{major}"]
    assert f"Depends: libsocks4kit{major} (= ${{binary:Version}})" in \
        (debian / "control").read_text()
    symbols = (debian / f"libsocks4kit{major}.symbols").read_text()
    assert symbols.startswith(f"libsocks4kit.so.{major} libsocks4kit{major} #MINVER#\n")
    assert (debian / f"libsocks4kit{major}.install").is_file()
    assert not [p.name for p in debian.glob("libsocks4kit[0-9]*") if
                not p.name.startswith(f"libsocks4kit{major}.")]


def tracked_files():
    p = subprocess.run(["git", "-C", str(ROOT), "ls-files", "-z"], capture_output=True,
                       check=True, timeout=60)
    return [f for f in p.stdout.decode().split("\0") if f and (ROOT / f).is_file()]


def test_release_objects_are_reproducible_from_another_folder(tmp_path):
    """Two copies of the tree in folders of different names and depths: the library and
    socks4-client (with debug info) come out the same bytes (-ffile-prefix-map)."""
    files = tracked_files()
    trees = [tmp_path / "a" / "socks4kit", tmp_path / "second-copy" / "deeper" / "src"]
    built = ["libsocks4kit.a", "libsocks4kit.so.*", "socks4-client"]
    for tree in trees:
        for f in files:
            (tree / f).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / f, tree / f)
        p = subprocess.run(["make", "-C", str(tree), "--no-print-directory", "-j2", "lib",
                            "build/socks4-client"], capture_output=True, text=True,
                           timeout=600, env={"PATH": "/usr/bin:/bin", "SOURCE_DATE_EPOCH": "1"})
        assert p.returncode == 0, p.stdout + p.stderr
    outputs = [sorted(q for g in built for q in (tree / "build").glob(g)) for tree in trees]
    assert [q.name for q in outputs[0]] == [q.name for q in outputs[1]]
    assert len(outputs[0]) == 3
    for x, y in zip(*outputs):
        assert x.read_bytes() == y.read_bytes(), x.name
        assert str(trees[0]).encode() not in x.read_bytes(), x.name
