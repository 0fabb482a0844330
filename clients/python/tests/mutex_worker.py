"""A Python process that contends for a kvstore mutex, or takes it and holds it until killed: the twin of
test/fixtures/lock-worker.ts (same arguments, same shared-file check), so both languages can contend at once.

    python3 -m tests.mutex_worker contend|hold ADDR PREFIX FILE ITERATIONS TTL_MS

contend: ITERATIONS critical sections; inside each, FILE must be empty on entry and still hold this
process's id on exit; the fencing token is appended to FILE.tokens. Prints "done VIOLATIONS".
hold: takes the lock, prints "locked TOKEN", holds it until killed.
"""
import os
import random
import sys
import time

import kvstore


def main(mode, addr, prefix, path, iterations, ttl_ms):
    me = str(os.getpid())
    # A generous retry budget: the shared test machine can be loaded enough to stall connections for
    # seconds; a Set is still resent only when it provably never reached the server.
    kv = kvstore.connect(endpoints=[addr], timeout=10, retry={"max_attempts": 20, "maximum": 1.0})
    session = kvstore.Session(kv, ttl_ms=ttl_ms)
    mutex = kvstore.Mutex(session, prefix)
    if mode == "hold":
        mutex.lock()
        print("locked %d" % mutex.fencing_token, flush=True)
        while True:
            time.sleep(3600)
    violations = 0
    for _ in range(iterations):
        with mutex:
            with open(path) as f:
                violations += f.read() != ""
            with open(path, "w") as f:
                f.write(me)
            time.sleep(random.random() * 0.003)  # work inside the critical section, to widen any overlap
            with open(path) as f:
                violations += f.read() != me
            with open(path + ".tokens", "a") as f:
                f.write("%d\n" % mutex.fencing_token)
            open(path, "w").close()
    print("done %d" % violations, flush=True)
    session.close()
    kv.close()
    return 0


if __name__ == "__main__":
    mode, addr, prefix, path, iterations, ttl_ms = sys.argv[1:7]
    sys.exit(main(mode, addr, prefix, path, int(iterations), int(ttl_ms)))
