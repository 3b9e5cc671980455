# SPDX-License-Identifier: MIT
"""ClusterFuzzLite (issue 13): .clusterfuzzlite/build.sh run here with the environment
the infrastructure sets (CC, CFLAGS with the fuzzer and sanitizer flags,
LIB_FUZZING_ENGINE, OUT, SRC, WORK), as $SRC/build.sh in the source tree the way
.clusterfuzzlite/Dockerfile lays it out. Every target of fuzz/module.mk, with its
seed corpus zip, dictionary and options, must come out and fuzz a few hundred
iterations from its corpus."""
import os
import pathlib
import re
import shutil
import subprocess
import zipfile

import pytest

# its module fixture builds the fuzz targets: it starts early
pytestmark = pytest.mark.long(60)

ROOT = pathlib.Path(__file__).resolve().parents[2]
CFL = ROOT / ".clusterfuzzlite"
RUNS = 300  # iterations beyond the seed corpus


def targets():
    mk = (ROOT / "fuzz" / "module.mk").read_text()
    return re.search(r"^FUZZ_TARGETS := (.*)$", mk, re.M).group(1).split()


def test_files_follow_clusterfuzzlite():
    assert re.search(r"^language: c$", (CFL / "project.yaml").read_text(), re.M)
    docker = (CFL / "Dockerfile").read_text()
    assert re.search(r"^FROM gcr.io/oss-fuzz-base/base-builder$", docker, re.M)
    assert re.search(r"^COPY \. \$SRC/socks4kit$", docker, re.M)
    assert re.search(r"^WORKDIR \$SRC/socks4kit$", docker, re.M)
    assert re.search(r"^COPY \.clusterfuzzlite/build\.sh \$SRC/$", docker, re.M)
    assert os.access(CFL / "build.sh", os.X_OK)
    for wf, mode in (("cflite_pr.yml", "code-change"), ("cflite_batch.yml", "batch")):
        text = (ROOT / ".github" / "workflows" / wf).read_text()
        assert "google/clusterfuzzlite/actions/build_fuzzers@v1" in text
        assert "google/clusterfuzzlite/actions/run_fuzzers@v1" in text
        assert re.search(rf"^ +mode: {mode}$", text, re.M), wf
        assert re.search(r"^ +language: c$", text, re.M), wf


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    if not shutil.which("clang") or not shutil.which("zip"):
        if os.environ.get("CI"):
            pytest.fail("clang or zip missing: run bash ci/deps.sh")
        pytest.skip("clang or zip missing: run bash ci/deps.sh")
    tmp = tmp_path_factory.mktemp("cflite")
    out, src, work = tmp / "out", tmp / "src", tmp / "work"
    for d in (out, src, work):
        d.mkdir()
    shutil.copy(CFL / "build.sh", src / "build.sh")  # COPY .clusterfuzzlite/build.sh $SRC/
    env = dict(os.environ, CC="clang", CXX="clang++",
               CFLAGS="-O1 -fno-omit-frame-pointer -gline-tables-only "
                      "-fsanitize=address -fsanitize-address-use-after-scope "
                      "-fsanitize=fuzzer-no-link",
               LIB_FUZZING_ENGINE="-fsanitize=fuzzer", OUT=str(out), SRC=str(src),
               WORK=str(work), SANITIZER="address", FUZZING_ENGINE="libfuzzer",
               ARCHITECTURE="x86_64")
    env.pop("ASAN_OPTIONS", None)  # the build's own tools are not under test
    p = subprocess.run(["bash", "-eu", str(src / "build.sh")], cwd=ROOT, env=env,
                       capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, p.stdout[-3000:] + p.stderr[-3000:]
    return out, tmp


@pytest.mark.parametrize("name", targets())
def test_target_built_and_fuzzes(built, name):
    out, tmp = built
    binary = out / f"fuzz_{name}"
    assert os.access(binary, os.X_OK), sorted(os.listdir(out))
    assert (out / f"fuzz_{name}.dict").stat().st_size > 0
    max_len = re.search(r"^max_len = (\d+)$", (out / f"fuzz_{name}.options").read_text(),
                        re.M).group(1)
    seeds = sorted(p.name for p in (ROOT / "corpus" / name).iterdir())
    with zipfile.ZipFile(out / f"fuzz_{name}_seed_corpus.zip") as z:
        assert sorted(z.namelist()) == seeds
        corpus = tmp / f"corpus-{name}"
        z.extractall(corpus)
    runs = len(seeds) + RUNS
    p = subprocess.run([str(binary), f"-runs={runs}", f"-max_len={max_len}",
                        f"-dict={out / f'fuzz_{name}.dict'}", "-seed=1", "-timeout=10",
                        "-rss_limit_mb=2048", str(corpus)],
                       capture_output=True, text=True, timeout=300,
                       env={k: v for k, v in os.environ.items() if k != "ASAN_OPTIONS"})
    assert p.returncode == 0, p.stderr[-3000:]
    assert re.search(rf"^Done {runs} runs in ", p.stderr, re.M), p.stderr[-2000:]
    assert re.search(r"INITED cov: \d+", p.stderr), p.stderr[-2000:]
