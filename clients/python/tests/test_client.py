"""The client's calls, errors and retries against a real kvstore server."""
import threading
import time
import unittest

import grpc

import kvstore
from kvstore import compare, op

from .server import Server, start_server, temp_dir, wait_for


def unread_bytes_at(port):
    """Bytes waiting unread in the established TCP connections to local port ``port`` (/proc/net/tcp)."""
    total = 0
    with open("/proc/net/tcp") as f:
        for line in f.readlines()[1:]:
            fields = line.split()
            local, state, queues = fields[1], fields[3], fields[4]
            if state == "01" and int(local.split(":")[1], 16) == port:
                total += int(queues.split(":")[1], 16)
    return total


class ClientTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        import shutil
        import tempfile

        cls.dir = tempfile.mkdtemp(prefix="kvstore-py-")
        cls.server = Server(cls.dir)
        cls.kv = kvstore.connect(endpoints=[cls.server.addr], timeout=5, retry={"initial": 0.01, "maximum": 0.2})
        cls._rm = lambda: shutil.rmtree(cls.dir, True)

    @classmethod
    def tearDownClass(cls):
        cls.kv.close()
        cls.server.stop()
        cls._rm()

    def test_set_get_delete(self):
        kv = self.kv
        w = kv.set("a/1", "one")
        self.assertGreater(w.revision, 0)
        self.assertEqual(w.kv.version, 1)
        got = kv.get("a/1")
        self.assertEqual(got.value, b"one")
        self.assertEqual(got.mod_revision, w.revision)
        self.assertIsNone(got.expires_at_ms)
        self.assertIsNone(kv.get("a/missing"))
        d = kv.delete("a/1")
        self.assertTrue(d.deleted)
        self.assertFalse(kv.delete("a/1").deleted)
        self.assertIsNone(kv.get("a/1"))

    def test_ttl(self):
        before = int(time.time() * 1000)
        self.kv.set("ttl/x", b"v", ttl_ms=60_000)
        got = self.kv.get("ttl/x")
        self.assertGreaterEqual(got.expires_at_ms, before + 60_000)

    def test_conditions_and_condition_failed_error(self):
        kv = self.kv
        first = kv.set("c/k", "v1", if_absent=True)
        with self.assertRaises(kvstore.ConditionFailedError) as cm:
            kv.set("c/k", "v2", if_absent=True)
        err = cm.exception
        self.assertEqual(err.code, grpc.StatusCode.FAILED_PRECONDITION)
        self.assertEqual(err.code_name, "FAILED_PRECONDITION")
        self.assertEqual(err.current_mod_revision, first.revision)
        self.assertEqual(err.current_version, 1)
        second = kv.set("c/k", "v2", if_mod_revision=first.revision)
        kv.set("c/k", "v3", if_version=2)
        kv.set("c/k", "v4", if_value="v3")
        with self.assertRaises(kvstore.ConditionFailedError) as cm:
            kv.delete("c/k", if_mod_revision=second.revision)
        self.assertGreater(cm.exception.current_mod_revision, second.revision)
        with self.assertRaises(ValueError):
            kv.set("c/k", "x", if_absent=True, if_version=1)

    def test_connect_timeout_must_be_positive(self):
        for bad in (0, -1.5, None, "2"):
            with self.assertRaisesRegex(ValueError, "connect_timeout must be more than 0"):
                kvstore.connect(endpoints=[self.server.addr], connect_timeout=bad)
        with kvstore.connect(endpoints=[self.server.addr], connect_timeout=0.5) as kv:
            self.assertEqual(kv.set("ct/k", "v").revision, kv.get("ct/k").mod_revision)

    def test_invalid_argument_names_the_field(self):
        with self.assertRaises(kvstore.InvalidArgumentError) as cm:
            self.kv.set("", "v")
        self.assertEqual(cm.exception.code, grpc.StatusCode.INVALID_ARGUMENT)
        self.assertEqual(cm.exception.field, "key")
        self.assertIn("key", str(cm.exception))
        with self.assertRaises(kvstore.InvalidArgumentError):
            self.kv.set("k", "v", ttl_ms=-5)

    def test_list_pages(self):
        kv = self.kv
        kv.set_many([("l/%03d" % i, "v%d" % i) for i in range(25)])
        pages = list(kv.list(prefix="l/", page_size=10, count=True))
        self.assertEqual([len(p.kvs) for p in pages], [10, 10, 5])
        self.assertEqual([p.more for p in pages], [True, True, False])
        self.assertEqual(pages[0].count, 25)
        keys = [k.key for p in pages for k in p.kvs]
        self.assertEqual(keys, ["l/%03d" % i for i in range(25)])
        self.assertEqual(len(kv.list_all(start="l/010", end="l/020")), 10)
        only = kv.list_all(pattern="l/*", keys_only=True)
        self.assertEqual(len(only), 25)
        self.assertEqual(only[0].value, b"")

    def test_set_many_get_many_delete_range(self):
        kv = self.kv
        r = kv.set_many([("m/a", "1"), {"key": "m/b", "value": b"2", "ttl_ms": 60_000}, ("m/c", "3", None)])
        self.assertEqual([k.key for k in r.kvs], ["m/a", "m/b", "m/c"])
        self.assertTrue(all(k.mod_revision == r.revision for k in r.kvs))
        g = kv.get_many(["m/a", "m/zz", "m/c"])
        self.assertEqual([k.value if k else None for k in g.kvs], [b"1", None, b"3"])
        dm = kv.delete_many(["m/a", "m/zz"])
        self.assertEqual(dm.deleted, ["m/a"])
        dr = kv.delete_range(prefix="m/", prev_kv=True)
        self.assertEqual(dr.deleted, 2)
        self.assertEqual(sorted(k.key for k in dr.prev_kvs), ["m/b", "m/c"])
        self.assertEqual(kv.list_all(prefix="m/"), [])

    def test_txn(self):
        kv = self.kv
        r = (
            kv.txn()
            .if_(compare.absent("t/job"))
            .on_success(op.set("t/job", "claimed", ttl_ms=30_000), op.get("t/queue"))
            .on_failure(op.get("t/job"))
            .commit()
        )
        self.assertTrue(r.succeeded)
        self.assertEqual([x.type for x in r.results], ["set", "get"])
        self.assertEqual(r.results[0].kv.mod_revision, r.revision)
        self.assertIsNone(r.results[1].kv)
        again = (
            kv.txn()
            .if_(compare.version("t/job", "=", 0))
            .on_success(op.set("t/job", "other"))
            .on_failure(op.get("t/job"), op.range(prefix="t/"))
            .commit()
        )
        self.assertFalse(again.succeeded)
        self.assertEqual(again.results[0].kv.value, b"claimed")
        self.assertEqual([k.key for k in again.results[1].kvs], ["t/job"])
        rd = (
            kv.txn()
            .if_(compare.value("t/job", "=", "claimed"), compare.mod_revision("t/job", "=", r.revision),
                 compare.create_revision("t/job", ">", 0))
            .on_success(op.delete("t/job"), op.delete_range(prefix="t/nothing/"))
            .commit()
        )
        self.assertTrue(rd.succeeded)
        self.assertEqual(rd.results[0].deleted, True)
        self.assertEqual(rd.results[1].deleted, 0)

    def test_status(self):
        s = self.kv.status()
        self.assertTrue(s.version)
        self.assertGreaterEqual(s.header.revision, 0)
        self.assertIn("sqlite", s.backend)

    def test_update_read_modify_write_under_contention(self):
        kv = self.kv
        threads = [
            threading.Thread(
                target=lambda: [
                    kvstore.update(kv, "u/counter", lambda cur: str(int(cur.value if cur else 0) + 1))
                    for _ in range(20)
                ]
            )
            for _ in range(4)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(kv.get("u/counter").value, b"80")
        self.assertEqual(kvstore.update(kv, "u/counter", lambda cur: kvstore.UNCHANGED).value, b"80")
        kvstore.update(kv, "u/counter", lambda cur: None)
        self.assertIsNone(kv.get("u/counter"))


class RetryTest(unittest.TestCase):
    def test_unreachable_endpoint_raises_unavailable_after_retries(self):
        kv = kvstore.connect(endpoints=["127.0.0.1:1"], timeout=2, retry={"max_attempts": 3, "initial": 0.01})
        self.addCleanup(kv.close)
        with self.assertRaises(kvstore.UnavailableError) as cm:
            kv.get("k")
        self.assertFalse(cm.exception.answered)
        self.assertEqual(cm.exception.endpoint, "127.0.0.1:1")
        # A write that never reached a server is not "outcome unknown" (and so it may be retried).
        with self.assertRaises(kvstore.UnavailableError) as cm:
            kv.set("k", "v")
        self.assertFalse(cm.exception.outcome_unknown)

    def test_failover_to_the_next_endpoint(self):
        server = start_server(self)
        kv = kvstore.connect(endpoints=["127.0.0.1:1", server.addr], timeout=2, retry={"initial": 0.01})
        self.addCleanup(kv.close)
        # Reads and never-sent writes move on to the live endpoint.
        kv.set("f/k", "v")
        self.assertEqual(kv.get("f/k").value, b"v")
        self.assertEqual(kv.endpoint, server.addr)

    def test_a_write_lost_with_its_server_is_outcome_unknown_and_not_resent(self):
        import signal

        data = temp_dir(self)
        server = start_server(self, data)
        kv = kvstore.connect(endpoints=[server.addr], timeout=10, retry={"initial": 0.01})
        self.addCleanup(kv.close)
        kv.set("o/k", "1")
        server.process.send_signal(signal.SIGSTOP)
        self.addCleanup(server.process.send_signal, signal.SIGCONT)
        result = {}

        def write():
            try:
                result["ok"] = kv.set("o/k", "2")
            except kvstore.KvError as e:
                result["error"] = e

        t = threading.Thread(target=write)
        t.start()
        wait_for("the Set to reach the stopped server's socket", lambda: unread_bytes_at(server.port) > 0)
        server.stop(signal.SIGKILL)
        t.join(30)
        error = result.get("error")
        self.assertIsInstance(error, kvstore.UnavailableError)
        self.assertTrue(error.outcome_unknown)
        self.assertFalse(error.answered)

    def test_reads_ride_out_a_restart_on_the_same_port(self):
        data = temp_dir(self)
        server = start_server(self, data)
        kv = kvstore.connect(endpoints=[server.addr], timeout=2,
                             retry={"max_attempts": 400, "initial": 0.05, "maximum": 0.25})
        self.addCleanup(kv.close)
        kv.set("r/k", "v")
        addr = server.addr
        server.stop()
        result = {}

        def read():
            try:
                result["kv"] = kv.get("r/k")
            except Exception as e:  # noqa: BLE001
                result["error"] = e

        t = threading.Thread(target=read)
        t.start()
        start_server(self, data, grpc_listen=addr)
        t.join(60)
        self.assertNotIn("error", result)
        self.assertEqual(result["kv"].value, b"v")


if __name__ == "__main__":
    unittest.main()
