"""The committed stubs (kvstore/v1/*_pb2*.py) are what generate.py makes from proto/kvstore/v1/kvstore.proto."""
import os
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
import generate  # noqa: E402

STUBS = ("kvstore_pb2.py", "kvstore_pb2_grpc.py")


class GeneratedStubsTest(unittest.TestCase):
    def test_stubs_are_current(self):
        if generate.command(tempfile.gettempdir()) is None:
            if os.environ.get("CI"):
                self.fail("no protobuf generator in CI: apt-get install protobuf-compiler protobuf-compiler-grpc")
            self.skipTest("no protoc + grpc_python_plugin (apt-get install protobuf-compiler-grpc)")
        with tempfile.TemporaryDirectory() as out:
            generate.generate(out)
            for name in STUBS:
                with open(os.path.join(out, "kvstore", "v1", name)) as f:
                    fresh = f.read()
                with open(os.path.join(os.path.dirname(HERE), "kvstore", "v1", name)) as f:
                    committed = f.read()
                self.assertEqual(
                    committed, fresh,
                    "kvstore/v1/%s is stale: run python3 clients/python/generate.py and commit it" % name,
                )


if __name__ == "__main__":
    unittest.main()
