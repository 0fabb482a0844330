"""One contender of the mutex test, run as a separate process: python3 -m tests.mutex_worker ADDR PREFIX LOG N.

Takes the lock N times; inside each critical section it appends "enter" and "exit" lines (its id and the
fencing token) to the shared LOG file, and checks that nobody else's line came in between. With N = 0 it
takes the lock once, prints "locked" and holds it until killed.
"""
import os
import random
import sys
import time

import kvstore


def main(addr, prefix, log, rounds):
    me = str(os.getpid())
    # A generous retry budget: the shared test machine can be loaded enough to stall connections for
    # seconds; a Set is still resent only when it provably never reached the server.
    kv = kvstore.connect(endpoints=[addr], timeout=10, retry={"max_attempts": 20, "maximum": 1.0})
    session = kvstore.Session(kv, ttl_ms=int(os.environ.get("KVSTORE_TEST_TTL_MS", "3000")))
    mutex = kvstore.Mutex(session, prefix)
    if rounds == 0:
        mutex.lock()
        print("locked %d" % mutex.fencing_token, flush=True)
        while True:
            time.sleep(3600)
    for _ in range(rounds):
        with mutex:
            token = mutex.fencing_token
            with open(log, "a") as f:
                f.write("enter %s %d\n" % (me, token))
            time.sleep(random.random() * 0.004)  # work inside the critical section, to widen any overlap
            with open(log) as f:
                last = f.read().splitlines()[-1]
            if last != "enter %s %d" % (me, token):
                print("overlap: %r came in while %s held the lock" % (last, me), flush=True)
                return 1
            with open(log, "a") as f:
                f.write("exit %s %d\n" % (me, token))
    session.close()
    kv.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])))
