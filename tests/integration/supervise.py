# SPDX-License-Identifier: MIT
"""A supervisor for a test's server that crashes (issue 17): each time the process
exits it is started again on the same port, RESTART_DELAY after the exit, so that
the runner sees the death before the target is back, until stop(). The runner
confirms a culprit only on a target that comes back, as a supervised server does.

The new process starts at once and imports while the delay runs (on a loaded
2-core machine a Python start alone can take a second), then waits for its time
and listens."""
import os
import subprocess
import sys
import threading
import time

from conftest import Proc

RESTART_DELAY = 1.0  # s from a crash until the server listens again

# argv: the time to listen at, then the server script and its arguments
WARM_START = """if True:
    import os, sys, time
    at = float(sys.argv[1])
    sys.argv = sys.argv[2:]
    sys.path.insert(0, os.path.dirname(sys.argv[0]))
    import broken_server
    time.sleep(max(0.0, at - time.time()))
    sys.exit(broken_server.main())
"""


class Restarter:
    """argv: [python, broken_server.py, args...] with a fixed --listen port."""

    def __init__(self, argv):
        assert os.path.basename(argv[1]) == "broken_server.py", argv
        self.argv, self.later = argv, []
        self.starts = 1
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def start(self, first):
        self.current = first
        self._thread.start()
        return self

    def _watch(self):
        while not self._stop.is_set():
            try:
                self.current.p.wait(0.05)
            except subprocess.TimeoutExpired:
                continue
            if self._stop.is_set():
                break
            self.starts += 1
            self.current = Proc([sys.executable, "-c", WARM_START,
                                 str(time.time() + RESTART_DELAY), *self.argv[1:]])
            self.later.append(self.current)
            try:
                self.current.wait_line(r"broken-server: listening on", timeout=30)
            except AssertionError:
                pass  # it died before listening: started again on the next turn

    def stop(self):
        self._stop.set()
        self._thread.join(15)
        for proc in self.later:
            proc.kill()
