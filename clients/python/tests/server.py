"""Starts a real `bin/kvstore serve` for the tests, as test/helpers/server-process.ts does.

The server prints JSON log lines on stdout; the line {"msg": "kvstore is serving", "grpc": "HOST:PORT"}
says where it listens. Run `npm run build` first (the server runs dist/).
"""
import json
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time

REPO = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", ".."))
NODE = os.environ.get("KVSTORE_NODE") or shutil.which("node") or "node"


class Server:
    """A kvstore server process over ``data_dir``; ``grpc_listen`` 127.0.0.1:0 picks a free port."""

    def __init__(self, data_dir, grpc_listen="127.0.0.1:0", extra_args=()):
        self.data_dir = data_dir
        args = [
            NODE, os.path.join(REPO, "bin", "kvstore"), "serve",
            "--grpc-listen", grpc_listen, "--http-listen", "127.0.0.1:0",
            "--data-dir", data_dir, "--log-format", "json", *extra_args,
        ]
        self.process = subprocess.Popen(
            args, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, bufsize=1,
        )
        self.logs = []
        self.stderr = []
        self.addr = None
        ready = threading.Event()

        def read_stdout():
            for line in self.process.stdout:
                try:
                    record = json.loads(line)
                except ValueError:
                    continue
                self.logs.append(record)
                if record.get("msg") == "kvstore is serving" and not ready.is_set():
                    self.addr = record["grpc"]
                    ready.set()
            ready.set()

        def read_stderr():
            for line in self.process.stderr:
                self.stderr.append(line)

        self._readers = [
            threading.Thread(target=read_stdout, daemon=True),
            threading.Thread(target=read_stderr, daemon=True),
        ]
        for t in self._readers:
            t.start()
        ready.wait(60)
        if self.addr is None:
            self.stop(signal.SIGKILL)
            raise RuntimeError(
                "kvstore server did not start (did `npm run build` run?): %s" % "".join(self.stderr)[-2000:]
            )

    @property
    def port(self):
        return int(self.addr.rsplit(":", 1)[1])

    def stop(self, sig=signal.SIGTERM):
        """Sends ``sig`` and waits for the exit; returns the exit code."""
        if self.process.poll() is None:
            self.process.send_signal(sig)
        try:
            code = self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            code = self.process.wait(30)
        for t in self._readers:
            t.join(5)
        self.process.stdout.close()
        self.process.stderr.close()
        return code


def temp_dir(test_case):
    """A temporary directory removed when the test case's cleanups run."""
    d = tempfile.mkdtemp(prefix="kvstore-py-")
    test_case.addCleanup(shutil.rmtree, d, True)
    return d


def start_server(test_case, data_dir=None, grpc_listen="127.0.0.1:0", cleanup=True, extra_args=()):
    """A server for ``test_case``, SIGKILLed in its cleanups; ``extra_args`` go to ``kvstore serve``."""
    server = Server(data_dir or temp_dir(test_case), grpc_listen, extra_args)
    if cleanup:
        test_case.addCleanup(server.stop, signal.SIGKILL)
    return server


def wait_for(what, condition, timeout=30.0, state=None):
    """Polls ``condition`` until it holds (never a fixed sleep); fails after ``timeout`` seconds, saying
    what ``state()`` describes then (what the test was looking at), so a failure explains itself."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for " + what + ("" if state is None else ": " + state()))
        time.sleep(0.02)
