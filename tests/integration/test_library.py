# SPDX-License-Identifier: MIT
"""The wire module as a library (issue 13): `make install` puts libsocks4kit.a, the
versioned libsocks4kit.so, socks4kit/socks4.h, socks4kit/ident.h, socks4kit.pc and
socks4kit(3) in place, and a program built with `cc $(pkg-config --cflags --libs
socks4kit)` parses a request. The program is the EXAMPLE of man/socks4kit.3, taken
from the page itself, so the page cannot go stale."""
import os
import pathlib
import re
import subprocess

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
VERSION = (ROOT / "VERSION").read_text().strip()  # socks4kit.pc carries it
EXPECTED_OUTPUT = "CONNECT 192.0.2.7:80 user alice (14 bytes)\nreply: 00 5a ... (request granted)\n"


def man_example():
    """The first .EX/.EE block after .SH EXAMPLE, with roff escapes undone."""
    text = (ROOT / "man" / "socks4kit.3").read_text()
    block = re.search(r"^\.SH EXAMPLE$.*?^\.EX$\n(.*?)^\.EE$", text, re.S | re.M).group(1)
    return block.replace(r"\(aq", "'").replace(r"\e", "\\").replace(r"\-", "-")


def make_install(tmp_path, **env_vars):
    build = tmp_path / "build"  # a build of its own: the release flags, nothing shared
    args = ["make", "-C", str(ROOT), "--no-print-directory", f"BUILD={build}", "install-lib"]
    args += [f"{k}={v}" for k, v in env_vars.items()]
    p = subprocess.run(args, capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stdout + p.stderr


def pkg_config(env, *args):
    p = subprocess.run(["pkg-config", *args, "socks4kit"], capture_output=True, text=True,
                       env=env, timeout=30)
    assert p.returncode == 0, p.stderr
    return p.stdout.split()


def build_and_run(tmp_path, flags, env, static=False):
    src = tmp_path / "example.c"
    src.write_text(man_example())
    exe = tmp_path / ("example-static" if static else "example")
    p = subprocess.run(["cc", "-std=c11", "-Wall", "-Wextra", "-Werror", str(src), "-o",
                        str(exe), *flags], capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    run = subprocess.run([str(exe)], capture_output=True, text=True, env=env, timeout=30)
    assert run.returncode == 0, run.stderr
    assert run.stdout == EXPECTED_OUTPUT
    return exe


def test_destdir_install_and_pkg_config(tmp_path):
    root = tmp_path / "root"
    make_install(tmp_path, DESTDIR=root, PREFIX="/usr")
    lib = root / "usr" / "lib"
    so = lib / "libsocks4kit.so.1.0"
    assert so.is_file() and (lib / "libsocks4kit.a").is_file()
    assert os.readlink(lib / "libsocks4kit.so.1") == "libsocks4kit.so.1.0"
    assert os.readlink(lib / "libsocks4kit.so") == "libsocks4kit.so.1"
    for h in ("socks4.h", "ident.h"):
        assert (root / "usr" / "include" / "socks4kit" / h).read_text() == \
            (ROOT / "lib" / h).read_text()
    assert (root / "usr" / "share" / "man" / "man3" / "socks4kit.3").is_file()
    pc = (lib / "pkgconfig" / "socks4kit.pc").read_text()
    assert "prefix=/usr\n" in pc and "libdir=/usr/lib\n" in pc and f"Version: {VERSION}\n" in pc

    # the soname, and only the wire module's functions in it
    p = subprocess.run(["readelf", "-d", str(so)], capture_output=True, text=True)
    assert "Library soname: [libsocks4kit.so.1]" in p.stdout
    p = subprocess.run(["nm", "-D", "--defined-only", str(so)], capture_output=True, text=True)
    funcs = {l.split()[-1] for l in p.stdout.splitlines() if " T " in l}
    assert {"s4_parse_request", "s4_write_reply", "ident_parse_response"} <= funcs
    assert not {f for f in funcs if f.startswith(("net_", "relay_"))}, funcs

    env = dict(os.environ, PKG_CONFIG_PATH=str(lib / "pkgconfig"),
               PKG_CONFIG_SYSROOT_DIR=str(root))
    flags = pkg_config(env, "--cflags", "--libs")
    assert f"-L{lib}" in flags and "-lsocks4kit" in flags
    exe = build_and_run(tmp_path, flags, dict(os.environ, LD_LIBRARY_PATH=str(lib)))
    needed = subprocess.run(["readelf", "-d", str(exe)], capture_output=True, text=True).stdout
    assert "Shared library: [libsocks4kit.so.1]" in needed  # linked against the .so
    # without the library on the path, the dynamic program cannot start
    p = subprocess.run([str(exe)], capture_output=True, text=True,
                       env={k: v for k, v in os.environ.items() if k != "LD_LIBRARY_PATH"})
    assert p.returncode != 0 and "libsocks4kit.so.1" in p.stderr

    # static: the archive alone
    exe = build_and_run(tmp_path, pkg_config(env, "--cflags") + [str(lib / "libsocks4kit.a")],
                        dict(os.environ), static=True)
    needed = subprocess.run(["readelf", "-d", str(exe)], capture_output=True, text=True).stdout
    assert "libsocks4kit" not in needed


def test_prefix_install(tmp_path):
    """A prefix of one's own (no DESTDIR): the .pc names it."""
    prefix = tmp_path / "prefix"
    make_install(tmp_path, PREFIX=prefix)
    env = dict(os.environ, PKG_CONFIG_PATH=str(prefix / "lib" / "pkgconfig"))
    env.pop("PKG_CONFIG_SYSROOT_DIR", None)
    assert pkg_config(env, "--modversion") == [VERSION]
    flags = pkg_config(env, "--cflags", "--libs")
    assert flags == [f"-I{prefix}/include", f"-L{prefix}/lib", "-lsocks4kit"]
    build_and_run(tmp_path, flags, dict(os.environ, LD_LIBRARY_PATH=str(prefix / "lib")))
