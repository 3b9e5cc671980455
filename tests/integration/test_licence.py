# SPDX-License-Identifier: MIT
"""The licence (issue 23): socks4kit is MIT (LICENSE), said so in debian/copyright, the
README, the man pages and socks4kit.pc, and every tracked source, header, script, test and
build file carries `SPDX-License-Identifier: MIT`: ci/spdx.sh adds the line, and its
--check, run here, names each file that lacks it, so a new file cannot forget it."""
import os
import pathlib
import re
import shutil
import subprocess

ROOT = pathlib.Path(__file__).resolve().parents[2]
SPDX = ROOT / "ci" / "spdx.sh"
COPYRIGHT = "Copyright (c) 2026 The socks4kit authors"


def mit_text(text):
    """The permission notice and disclaimer, whitespace and DEP-5's ' .' lines folded."""
    text = " ".join(re.sub(r"^ \.$", "", text, flags=re.M).split())
    start = text.index("Permission is hereby granted")
    end = text.index("DEALINGS IN THE SOFTWARE.") + len("DEALINGS IN THE SOFTWARE.")
    return text[start:end]


def test_every_tracked_source_file_has_the_licence_line():
    p = subprocess.run(["bash", str(SPDX), "--check"], cwd=ROOT, capture_output=True,
                       text=True, timeout=600)
    assert p.returncode == 0, p.stdout + p.stderr


def test_the_licence_is_mit_everywhere_it_is_stated():
    licence = (ROOT / "LICENSE").read_text()
    assert licence.startswith("MIT License\n") and COPYRIGHT in licence
    copyright = (ROOT / "debian" / "copyright").read_text()
    assert "\nFiles: *\nCopyright: 2026 The socks4kit authors\nLicense: Expat\n" in copyright
    assert "unspecified" not in copyright
    assert mit_text(copyright) == mit_text(licence)
    readme = (ROOT / "README.md").read_text()
    assert "MIT" in readme and "(LICENSE)" in readme
    for page in sorted((ROOT / "man").iterdir()):
        text = page.read_text()
        assert re.search(r"^\.SH COPYRIGHT\n.*MIT", text, re.M | re.S), page.name
        assert COPYRIGHT.replace("(c)", r"\(co") in text, page.name
    assert "License: MIT" in (ROOT / "lib" / "socks4kit.pc.in").read_text()


def git(repo, *args):
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True)


def test_check_names_each_file_without_the_line_and_spdx_adds_it(tmp_path):
    """In a repository of its own: --check names exactly the tracked files in scope that
    lack the line; then ci/spdx.sh adds it in each one's comment syntax, after a #! line
    or a roff preprocessor line; a second run changes nothing."""
    repo = tmp_path / "repo"
    files = {
        "lib/new.c": "int x;\n",
        "lib/new.h": "",
        "tools/run": "#!/usr/bin/env python3\nprint(1)\n",
        "tools/go.sh": "#!/bin/sh\necho hi\n",
        "tools/serve.js": "console.log(1);\n",
        "man/new.1": "'\\\" t\n.TH NEW 1\n",
        "sub/module.mk": "X := 1\n",
        "has.c": "/* SPDX-License-Identifier: MIT */\nint y;\n",
        "mentions.py": '"""Each file needs SPDX-License-Identifier: MIT."""\n',
        "notes.md": "# notes\n",                       # documentation: out of scope
        "corpus/request/seed.c": "\x04\x01",           # fuzz data: out of scope
        "data.json": "{}\n",
        "untracked.c": "int z;\n",                     # not tracked: not checked
    }
    for name, text in files.items():
        path = repo / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    (repo / "tools" / "run").chmod(0o755)
    (repo / "ci").mkdir()
    shutil.copy(SPDX, repo / "ci" / "spdx.sh")
    git(repo, "init", "-q")
    git(repo, "add", "--", *[n for n in files if n != "untracked.c"], "ci/spdx.sh")
    missing = {"lib/new.c", "lib/new.h", "tools/run", "tools/go.sh", "tools/serve.js",
               "man/new.1", "sub/module.mk", "mentions.py"}
    if not re.search(r"^# SPDX-License-Identifier: MIT$",
                     "\n".join(SPDX.read_text().split("\n")[:5]), re.M):
        missing.add("ci/spdx.sh")  # before the coordinator's run of ci/spdx.sh

    def spdx(*args):
        return subprocess.run(["bash", str(repo / "ci" / "spdx.sh"), *args],
                              capture_output=True, text=True, timeout=120)

    p = spdx("--check")
    assert p.returncode == 1
    named = set(re.findall(r"^spdx: (\S+): no SPDX-License-Identifier line", p.stdout, re.M))
    assert named == missing, p.stdout
    assert f"spdx: {len(missing)} tracked source files lack the licence line" in p.stdout

    p = spdx()
    assert p.returncode == 0, p.stderr
    assert set(re.findall(r"^spdx: (\S+)$", p.stdout, re.M)) == missing
    read = lambda name: (repo / name).read_text()
    assert read("lib/new.c") == "/* SPDX-License-Identifier: MIT */\nint x;\n"
    assert read("lib/new.h") == "/* SPDX-License-Identifier: MIT */\n"
    assert read("tools/run") == "#!/usr/bin/env python3\n# SPDX-License-Identifier: MIT\nprint(1)\n"
    assert read("tools/go.sh") == "#!/bin/sh\n# SPDX-License-Identifier: MIT\necho hi\n"
    assert read("tools/serve.js") == "// SPDX-License-Identifier: MIT\nconsole.log(1);\n"
    assert read("man/new.1") == "'\\\" t\n.\\\" SPDX-License-Identifier: MIT\n.TH NEW 1\n"
    assert read("sub/module.mk") == "# SPDX-License-Identifier: MIT\nX := 1\n"
    assert read("mentions.py") == "# SPDX-License-Identifier: MIT\n" + files["mentions.py"]
    for name in ("has.c", "notes.md", "data.json", "untracked.c"):
        assert read(name) == files[name], name
    assert os.access(repo / "tools" / "run", os.X_OK)

    before = {n: read(n) for n in files if n != "corpus/request/seed.c"}
    p = spdx()
    assert p.returncode == 0 and p.stdout == ""
    assert {n: read(n) for n in before} == before
    assert spdx("--check").returncode == 0
