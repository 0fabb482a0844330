#!/usr/bin/env python3
"""Regenerates kvstore/v1/kvstore_pb2.py and kvstore_pb2_grpc.py from proto/kvstore/v1/kvstore.proto.

Uses Debian's tools: protoc (protobuf-compiler) with grpc_python_plugin (protobuf-compiler-grpc), or
python3 -m grpc_tools.protoc when that is installed instead. The stubs are committed (users need only
grpcio and protobuf); tests/test_generated.py checks they match the proto.

    python3 clients/python/generate.py            # write the stubs next to this file
    python3 clients/python/generate.py OUT_DIR    # write them under OUT_DIR/kvstore/v1/ (the test uses this)
"""
import os
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
PROTO_ROOT = os.path.normpath(os.path.join(HERE, "..", "..", "proto"))
PROTO = "kvstore/v1/kvstore.proto"


def command(out_dir):
    """The protoc command line that writes the stubs under out_dir, or None when no generator is installed."""
    protoc = shutil.which("protoc")
    plugin = shutil.which("grpc_python_plugin")
    args = ["-I", PROTO_ROOT, "--python_out=" + out_dir, "--grpc_python_out=" + out_dir, PROTO]
    if protoc and plugin:
        return [protoc, "--plugin=protoc-gen-grpc_python=" + plugin] + args
    try:
        import grpc_tools.protoc  # noqa: F401
    except ImportError:
        return None
    return [sys.executable, "-m", "grpc_tools.protoc"] + args


def generate(out_dir):
    cmd = command(out_dir)
    if cmd is None:
        raise RuntimeError(
            "no protobuf generator: apt-get install protobuf-compiler protobuf-compiler-grpc"
        )
    os.makedirs(os.path.join(out_dir, "kvstore", "v1"), exist_ok=True)
    subprocess.run(cmd, check=True)


if __name__ == "__main__":
    generate(sys.argv[1] if len(sys.argv) > 1 else HERE)
