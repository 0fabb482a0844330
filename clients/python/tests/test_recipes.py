"""Session, Mutex and Election on CAS + TTL + watch, against a real server (several processes for the mutex,
Python ones and TypeScript ones contending for the same lock)."""
import os
import signal
import subprocess
import sys
import threading
import time
import unittest

import kvstore

from .server import NODE, REPO, start_server, temp_dir, wait_for

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class RecipesTest(unittest.TestCase):
    def setUp(self):
        self.server = start_server(self)

    def client(self):
        kv = kvstore.connect(endpoints=[self.server.addr], timeout=5)
        self.addCleanup(kv.close)
        return kv

    def worker(self, mode, prefix, path, iterations, ttl_ms=3000, language="python"):
        """A mutex_worker process (or its TypeScript twin, test/fixtures/lock-worker.ts)."""
        args = [mode, self.server.addr, prefix, path, str(iterations), str(ttl_ms)]
        if language == "python":
            command, cwd = [sys.executable, "-m", "tests.mutex_worker", *args], HERE
        else:
            command, cwd = [NODE, "--import", "tsx", "test/fixtures/lock-worker.ts", *args], REPO
        p = subprocess.Popen(command, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.addCleanup(lambda: (p.poll() is None and p.kill(), p.wait(), p.stdout.close()))
        return p

    def contend(self, languages, iterations):
        """Runs one contending worker per language given; returns the fencing tokens in file order."""
        path = os.path.join(temp_dir(self), "critical")
        open(path, "w").close()
        open(path + ".tokens", "w").close()
        workers = [self.worker("contend", "locks/m", path, iterations, language=lang) for lang in languages]
        for w in workers:
            out = w.communicate(timeout=180)[0]
            self.assertEqual((w.returncode, out.strip().splitlines()[-1:]), (0, ["done 0"]), out)
        with open(path + ".tokens") as f:
            tokens = [int(t) for t in f.read().split()]
        self.assertEqual(self.client().list_all(prefix="locks/m/"), [])
        return tokens

    def test_mutex_excludes_across_four_processes_of_twenty_critical_sections(self):
        # Never two inside at once: each worker checks the shared file on entry and exit ("done 0").
        tokens = self.contend(["python"] * 4, 20)
        self.assertEqual(len(tokens), 80)
        # Fencing tokens grow with every acquisition.
        self.assertEqual(tokens, sorted(set(tokens)))

    @unittest.skipUnless(os.path.isdir(os.path.join(REPO, "node_modules", "tsx")), "needs npm ci (tsx)")
    def test_python_and_typescript_processes_share_one_mutex(self):
        tokens = self.contend(["python", "typescript", "python", "typescript"], 10)
        self.assertEqual(len(tokens), 40)
        self.assertEqual(tokens, sorted(set(tokens)))

    def test_a_killed_holder_releases_the_lock_within_its_ttl(self):
        ttl_ms = 2000
        holder = self.worker("hold", "locks/k", "-", 0, ttl_ms=ttl_ms)
        line = holder.stdout.readline()
        if not line.startswith("locked"):
            self.fail("the holder did not take the lock: " + line + holder.stdout.read())
        with kvstore.Session(self.client(), ttl_ms=ttl_ms) as session:
            mutex = kvstore.Mutex(session, "locks/k")
            self.assertFalse(mutex.try_lock())
            holder.send_signal(signal.SIGKILL)
            holder.wait()
            killed = time.monotonic()
            mutex.lock(timeout=30)
            waited = time.monotonic() - killed
            # The key outlives the kill by at most one TTL; the rest is slack for a loaded machine.
            self.assertLess(waited, ttl_ms / 1000 + 2.0)
            self.assertGreater(mutex.fencing_token, 0)
            mutex.unlock()

    def test_lock_gives_up_after_its_timeout_and_leaves_no_key(self):
        kv = self.client()
        with kvstore.Session(kv) as holder, kvstore.Session(kv) as waiter:
            kvstore.Mutex(holder, "locks/t").lock()
            with self.assertRaises(TimeoutError):
                kvstore.Mutex(waiter, "locks/t").lock(timeout=0.3)
            self.assertEqual([k.key for k in kv.list_all(prefix="locks/t/")], ["locks/t/" + holder.id])

    def test_session_keys_vanish_on_close_and_a_deleted_key_loses_the_session(self):
        kv = self.client()
        session = kvstore.Session(kv, ttl_ms=1500, keep_alive_ms=100)
        session.create("s/a", "1")
        wait_for("two keep-alive refreshes", lambda: kv.get("s/a") and kv.get("s/a").version >= 3)
        session.close()
        self.assertIsNone(kv.get("s/a"))
        lost = kvstore.Session(kv, ttl_ms=1500, keep_alive_ms=100)
        self.addCleanup(lost.close)
        lost.create("s/b", "1")
        kv.delete("s/b")
        self.assertTrue(lost.lost.wait(5))
        self.assertIsInstance(lost.error, kvstore.SessionLostError)
        self.assertIsNone(kv.get("s/b"))  # never resurrected by a refresh

    def test_election_hands_over_on_resign_and_observers_see_each_leader(self):
        kv = self.client()
        first, second = kvstore.Session(kv), kvstore.Session(kv)
        self.addCleanup(first.close)
        self.addCleanup(second.close)
        a, b = kvstore.Election(first, "election/x"), kvstore.Election(second, "election/x")
        a.campaign("node-a")
        seen = []
        observer = a.observe()
        self.addCleanup(observer.close)
        threading.Thread(target=lambda: seen.extend(observer), daemon=True).start()
        wait_for("the first leader observed", lambda: seen and seen[-1] is not None)
        self.assertEqual(seen[-1].value, b"node-a")
        campaigned = threading.Event()
        t = threading.Thread(target=lambda: (b.campaign("node-b"), campaigned.set()), daemon=True)
        t.start()
        wait_for("b to queue", lambda: len(kv.list_all(prefix="election/x/")) == 2)
        self.assertFalse(campaigned.is_set())
        a.proclaim("node-a2")
        wait_for("the new value observed", lambda: seen[-1].value == b"node-a2")
        a.resign()
        self.assertTrue(campaigned.wait(10))
        wait_for("b observed as leader", lambda: seen[-1] is not None and seen[-1].value == b"node-b")
        self.assertEqual(b.leader().key, b.key)
        self.assertGreater(seen[-1].revision, seen[0].revision)


if __name__ == "__main__":
    unittest.main()
