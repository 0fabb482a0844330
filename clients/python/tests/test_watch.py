"""Watch: resumes across a SIGKILL and a SIGTERM restart with a writer running; compaction; close."""
import signal
import threading
import time
import unittest

import kvstore

from .server import start_server, temp_dir, wait_for


class Writer:
    """Writes w/0, w/1, ... until stopped; failed writes (the server is down) are skipped, not resent."""

    def __init__(self, endpoints):
        self.kv = kvstore.connect(endpoints=endpoints, timeout=2, retry={"max_attempts": 1})
        self.acked = 0
        self.revisions = []
        self._running = True
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self):
        i = 0
        while self._running:
            try:
                self.revisions.append(self.kv.set("w/%d" % i, "value-%d" % i).revision)
                self.acked += 1
            except kvstore.KvError:
                time.sleep(0.005)
            i += 1

    def stop(self):
        self._running = False
        self._thread.join(30)
        self.kv.close()


class Collector:
    """Iterates a watch in a thread, keeping every event (and the error that ended it, if any)."""

    def __init__(self, watch):
        self.watch = watch
        self.events = []
        self.error = None
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self):
        try:
            for e in self.watch:
                self.events.append(e)
        except Exception as err:  # noqa: BLE001 - kept for the test to look at
            self.error = err

    def stop(self):
        self.watch.close()
        self._thread.join(30)

    def describe(self):
        """Where the watch stands, for a failure's message."""
        last = self.events[-1].revision if self.events else None
        return "%d events, the last at revision %s; received up to %d; iterating: %s; error: %r" % (
            len(self.events), last, self.watch.revision, self._thread.is_alive(), self.error)


class WatchTest(unittest.TestCase):
    def client(self, endpoints):
        kv = kvstore.connect(endpoints=endpoints, timeout=2, retry={"initial": 0.01, "maximum": 0.2})
        self.addCleanup(kv.close)
        return kv

    def assert_every_revision_once(self, events, first, last):
        revisions = [e.revision for e in events]
        self.assertEqual(revisions, list(range(first, last + 1)))

    def test_resumes_across_sigkill_and_sigterm_restarts_with_a_writer_running(self):
        data = temp_dir(self)
        server = start_server(self, data)
        addr = server.addr
        kv = self.client([addr])
        first = kv.set("w/start", "x").revision
        reconnects = []
        watch = kv.watch(prefix="w/", start_revision=first, progress_interval=0.5,
                         backoff=kvstore.Retry(initial=0.02, maximum=0.3),
                         on_reconnect=lambda error, endpoint, resume: reconnects.append(resume))
        collector = Collector(watch)
        self.addCleanup(collector.stop)
        writer = Writer([addr])
        self.addCleanup(writer.stop)
        for sig in (signal.SIGKILL, signal.SIGTERM):
            before = writer.acked
            wait_for("writes before the restart", lambda: writer.acked >= before + 50)
            server.stop(sig)
            server = start_server(self, data, grpc_listen=addr)
            after = writer.acked
            wait_for("writes after the restart", lambda: writer.acked >= after + 50)
        writer.stop()
        last = kv.status().header.revision
        wait_for("the watch to reach the last revision %d" % last,
                 lambda: collector.events and collector.events[-1].revision >= last,
                 state=lambda: "%s; resumed at %s" % (collector.describe(), reconnects))
        self.assertIsNone(collector.error)
        self.assertGreaterEqual(len(reconnects), 2)
        # The writer is the only writer: every revision from `first` on is one of its sets (or w/start).
        self.assert_every_revision_once(collector.events, first, last)
        self.assertTrue(set(writer.revisions) <= {e.revision for e in collector.events})
        self.assertTrue(all(e.type == "put" and e.key.startswith("w/") for e in collector.events))

    def test_fails_over_to_a_second_endpoint(self):
        # A standby started on the same data after the first server was killed, at another address.
        data = temp_dir(self)
        server = start_server(self, data)
        kv = self.client([server.addr, "127.0.0.1:%d" % (server.port + 1)])
        first = kv.set("w/start", "x").revision
        collector = Collector(kv.watch(prefix="w/", start_revision=first, progress_interval=0.5,
                                       backoff=kvstore.Retry(initial=0.02, maximum=0.3)))
        self.addCleanup(collector.stop)
        writer = Writer([server.addr])
        self.addCleanup(writer.stop)
        wait_for("writes before the kill", lambda: writer.acked >= 50)
        server.stop(signal.SIGKILL)
        writer.stop()
        standby = start_server(self, data, grpc_listen="127.0.0.1:%d" % (server.port + 1))
        more = self.client([standby.addr])
        for i in range(20):
            more.set("w/after/%d" % i, "v")
        last = more.status().header.revision
        wait_for("the watch to reach the standby's last revision %d" % last,
                 lambda: collector.events and collector.events[-1].revision >= last,
                 state=collector.describe)
        self.assertIsNone(collector.error)
        self.assert_every_revision_once(collector.events, first, last)
        self.assertEqual(kv.endpoint, standby.addr)

    def test_a_silent_server_is_given_up_on_and_the_watch_resumes(self):
        server = start_server(self)
        kv = self.client([server.addr])
        first = kv.set("s/0", "x").revision
        reasons = []
        collector = Collector(kv.watch(prefix="s/", start_revision=first, progress_interval=0.3,
                                       backoff=kvstore.Retry(initial=0.02, maximum=0.2),
                                       on_reconnect=lambda error, endpoint, resume: reasons.append(str(error))))
        self.addCleanup(collector.stop)
        wait_for("the first event", lambda: len(collector.events) == 1)
        server.process.send_signal(signal.SIGSTOP)
        self.addCleanup(server.process.send_signal, signal.SIGCONT)
        try:
            with self.assertRaises(kvstore.DeadlineExceededError):
                kv.get("s/0", timeout=0.3)
            wait_for("the watch to give up on the silent stream", lambda: any("no message" in r for r in reasons))
        finally:
            server.process.send_signal(signal.SIGCONT)
        last = kv.set("s/1", "y").revision
        wait_for("the event after the pause", lambda: collector.events[-1].revision == last,
                 state=collector.describe)
        self.assertEqual([e.revision for e in collector.events], [first, last])
        self.assertIsNone(collector.error)

    def test_watch_from_now_sees_later_changes_with_prev_kv(self):
        server = start_server(self)
        kv = self.client([server.addr])
        kv.set("n/a", "old")
        with kv.watch(key="n/a", prev_kv=True) as watch:
            it = iter(watch)
            kv.set("n/a", "new")
            kv.delete("n/a")
            put = next(it)
            self.assertEqual((put.type, put.kv.value, put.prev_kv.value), ("put", b"new", b"old"))
            deleted = next(it)
            self.assertEqual((deleted.type, deleted.key), ("delete", "n/a"))
            self.assertEqual(deleted.revision, put.revision + 1)

    def test_close_from_another_thread_ends_the_iteration(self):
        server = start_server(self)
        kv = self.client([server.addr])
        collector = Collector(kv.watch(prefix="x/"))
        wait_for("the watch to open", lambda: collector.watch._call is not None)
        collector.stop()
        self.assertFalse(collector._thread.is_alive())
        self.assertIsNone(collector.error)

    def test_compacted_start_raises_compacted_error_with_the_compact_revision(self):
        server = start_server(self)
        kv = self.client([server.addr])
        for i in range(5):
            kv.set("k/%d" % i, "v")
        head = kv.status().header.revision
        compacted = kv.compact(head)
        self.assertEqual(compacted, head)
        with self.assertRaises(kvstore.CompactedError) as cm:
            next(iter(kv.watch(prefix="k/", start_revision=1)))
        self.assertEqual(cm.exception.compact_revision, head)

    def test_a_bad_selector_is_an_invalid_argument(self):
        server = start_server(self)
        kv = self.client([server.addr])
        with self.assertRaises(kvstore.InvalidArgumentError):
            next(iter(kv.watch(pattern="a/***/b", start_revision=1)))


if __name__ == "__main__":
    unittest.main()
