#!/usr/bin/env bash
# Builds the Java client with Debian's packages only (Maven's registry is not needed; pom.xml is for users
# elsewhere): protoc + grpc_java_plugin generate the stubs of proto/kvstore/v1/kvstore.proto, javac compiles
# them with src/main/java into build/kvstore-client.jar and the test programs of src/test/java into
# build/test-classes. build/classpath.txt is the runtime class path (the jar and Debian's jars).
#
#   clients/java/build.sh            # build (about 15 s)
#   clients/java/build.sh --print-missing   # list the Debian packages still to install, build nothing
#
# Needs: apt-get install default-jdk-headless protobuf-compiler protobuf-compiler-grpc-java-plugin \
#          libgrpc-java libprotobuf-java libnetty-java libperfmark-java libgoogle-gson-java \
#          libgeronimo-annotation-1.3-spec-java liberror-prone-java \
#          libnetty-tcnative-java libnetty-tcnative-jni
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
proto_root="$here/../../proto"
build="$here/build"
jars=/usr/share/java

# Debian package -> the jars of /usr/share/java the client needs from it. grpc-java 1.41 runs over Netty
# (Debian ships grpc-netty, not grpc-okhttp); grpc-core needs guava, perfmark and gson at run time; the
# generated stubs carry @javax.annotation.Generated, which JDK 11+ no longer has (geronimo's spec jar);
# grpc's classes carry error-prone annotations javac wants to resolve.
declare -A needs=(
  [libgrpc-java]="grpc-api grpc-context grpc-core grpc-netty grpc-protobuf grpc-protobuf-lite grpc-stub"
  [libprotobuf-java]="protobuf"
  [libguava-java]="guava"
  [libnetty-java]="netty-buffer netty-codec netty-codec-http netty-codec-http2 netty-common netty-handler
    netty-resolver netty-transport netty-handler-proxy netty-codec-socks"
  [libjctools-java]="jctools-core"
  [libperfmark-java]="perfmark-api"
  [libgoogle-gson-java]="gson"
  [libgeronimo-annotation-1.3-spec-java]="geronimo-annotation-1.3-spec"
  [liberror-prone-java]="error_prone_annotations"
  [libnetty-tcnative-java]="netty-tcnative"
)
missing=()
classpath=()
for pkg in "${!needs[@]}"; do
  for jar in ${needs[$pkg]}; do
    if [ -f "$jars/$jar.jar" ]; then classpath+=("$jars/$jar.jar"); else missing+=("$pkg"); break; fi
  done
done
# TLS: Debian's Netty has no ALPN over the JDK's TLS (patched out), and gRPC needs ALPN, so TLS goes through
# OpenSSL (netty-tcnative). Its JNI library must be named libnetty_tcnative.so for Netty to find and accept
# it: the build copies it into the jar (META-INF/native/), from where Netty loads it; no -Djava.library.path.
tcnative=$(ls /usr/lib/*/jni/libnetty-tcnative.so 2>/dev/null | head -1 || true)
[ -n "$tcnative" ] || missing+=(libnetty-tcnative-jni)
for tool in protoc:protobuf-compiler grpc_java_plugin:protobuf-compiler-grpc-java-plugin \
  javac:default-jdk-headless; do
  command -v "${tool%%:*}" >/dev/null 2>&1 || missing+=("${tool#*:}")
done
if [ "${1:-}" = "--print-missing" ]; then
  printf '%s\n' "${missing[@]}" | sort -u
  exit 0
fi
if [ ${#missing[@]} -gt 0 ]; then
  list=$(printf '%s\n' "${missing[@]}" | sort -u | tr '\n' ' ')
  echo "missing Debian packages: apt-get install -y $list" >&2
  exit 2
fi
cp="$(IFS=:; echo "${classpath[*]}")"

rm -rf "$build"
mkdir -p "$build/generated" "$build/classes" "$build/test-classes"
protoc -I "$proto_root" --java_out="$build/generated" --grpc-java_out="$build/generated" \
  --plugin=protoc-gen-grpc-java="$(command -v grpc_java_plugin)" kvstore/v1/kvstore.proto

# Generated code draws deprecation/unchecked notes from javac: not ours to fix, so only ours are linted.
find "$build/generated" -name '*.java' >"$build/generated.txt"
javac --release 17 -nowarn -encoding UTF-8 -cp "$cp" -d "$build/classes" @"$build/generated.txt"
find "$here/src/main/java" -name '*.java' >"$build/main.txt"
javac --release 17 -Xlint:all,-serial,-processing -Werror -encoding UTF-8 -cp "$cp:$build/classes" \
  -d "$build/classes" @"$build/main.txt"
mkdir -p "$build/classes/META-INF/native"
cp "$tcnative" "$build/classes/META-INF/native/libnetty_tcnative.so"
jar --create --file "$build/kvstore-client.jar" -C "$build/classes" .

find "$here/src/test/java" -name '*.java' >"$build/test.txt"
javac --release 17 -Xlint:all,-serial,-processing -Werror -encoding UTF-8 \
  -cp "$cp:$build/kvstore-client.jar" -d "$build/test-classes" @"$build/test.txt"
echo "$build/kvstore-client.jar:$cp" >"$build/classpath.txt"
echo "built $build/kvstore-client.jar (test programs in $build/test-classes;" \
  "class path in $build/classpath.txt)"
