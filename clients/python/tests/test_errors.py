"""How grpc.RpcErrors become typed errors (no server needed)."""
import unittest

import grpc

import kvstore
from kvstore.errors import from_rpc_error


class FakeRpcError(grpc.RpcError):
    def __init__(self, code, details, trailers=(), debug=""):
        self._code, self._details, self._trailers, self._debug = code, details, trailers, debug

    def code(self):
        return self._code

    def details(self):
        return self._details

    def trailing_metadata(self):
        return self._trailers

    def debug_error_string(self):
        return self._debug


U = grpc.StatusCode.UNAVAILABLE


class ErrorsTest(unittest.TestCase):
    def test_a_write_that_never_left_the_client_is_not_outcome_unknown(self):
        err = from_rpc_error(FakeRpcError(U, "failed to connect to all addresses; last error: "
                                             "UNKNOWN: Connection refused"), "h:1", write=True)
        self.assertIsInstance(err, kvstore.UnavailableError)
        self.assertFalse(err.outcome_unknown)
        self.assertFalse(err.answered)
        self.assertIn("cannot reach kvstore at h:1", str(err))

    def test_a_write_whose_connection_broke_is_outcome_unknown(self):
        for details in ("Socket closed", "Connection reset by peer", "GOAWAY received"):
            err = from_rpc_error(FakeRpcError(U, details), "h:1", write=True)
            self.assertTrue(err.outcome_unknown, details)
            self.assertFalse(from_rpc_error(FakeRpcError(U, details), "h:1", write=False).outcome_unknown)

    def test_a_server_that_answers_unavailable_may_have_read_the_request(self):
        err = from_rpc_error(FakeRpcError(U, "the server is shutting down", (("x", "y"),)), "h:1", write=True)
        self.assertTrue(err.answered)
        self.assertTrue(err.outcome_unknown)

    def test_trailers_become_fields(self):
        e = from_rpc_error(FakeRpcError(grpc.StatusCode.FAILED_PRECONDITION, "mod_revision is 7",
                                        (("current-mod-revision", "7"), ("current-version", "3"))), "h:1")
        self.assertIsInstance(e, kvstore.ConditionFailedError)
        self.assertEqual((e.current_mod_revision, e.current_version), (7, 3))
        e = from_rpc_error(FakeRpcError(grpc.StatusCode.OUT_OF_RANGE, "compacted",
                                        (("compact-revision", b"12"),)), "h:1")
        self.assertIsInstance(e, kvstore.CompactedError)
        self.assertEqual(e.compact_revision, 12)
        e = from_rpc_error(FakeRpcError(grpc.StatusCode.INVALID_ARGUMENT, "key is empty", (("field", "key"),)), "h")
        self.assertEqual((type(e), e.field, e.code_name), (kvstore.InvalidArgumentError, "key", "INVALID_ARGUMENT"))
        for code, cls in ((grpc.StatusCode.PERMISSION_DENIED, kvstore.AuthError),
                          (grpc.StatusCode.RESOURCE_EXHAUSTED, kvstore.ResourceExhaustedError),
                          (grpc.StatusCode.DEADLINE_EXCEEDED, kvstore.DeadlineExceededError),
                          (grpc.StatusCode.INTERNAL, kvstore.KvError)):
            self.assertIs(type(from_rpc_error(FakeRpcError(code, "x"), "h")), cls)


if __name__ == "__main__":
    unittest.main()
