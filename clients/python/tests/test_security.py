"""TLS, mTLS and API keys against real servers, with certificates made here by openssl."""
import base64
import hashlib
import hmac
import json
import os
import secrets
import shutil
import subprocess
import tempfile
import time
import unittest

import kvstore

from .server import Server

OPENSSL = shutil.which("openssl")


def _openssl(cwd, *args):
    subprocess.run([OPENSSL, *args], cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def make_certificates(d):
    """A CA, a server certificate for 127.0.0.1, a client certificate of that CA, and a stranger CA."""
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"]
    for ca in ("ca", "stranger-ca"):
        _openssl(d, "req", "-x509", *ec, "-days", "1", "-subj", "/CN=" + ca, "-keyout", ca + ".key",
                 "-out", ca + ".crt")
    for name, ca, ext in (
        ("server", "ca", "subjectAltName=IP:127.0.0.1,DNS:localhost"),
        ("client", "ca", "extendedKeyUsage=clientAuth"),
        ("stranger", "stranger-ca", "extendedKeyUsage=clientAuth"),
    ):
        _openssl(d, "req", *ec, "-subj", "/CN=" + name, "-keyout", name + ".key", "-out", name + ".csr")
        with open(os.path.join(d, name + ".ext"), "w") as f:
            f.write(ext + "\n")
        _openssl(d, "x509", "-req", "-in", name + ".csr", "-CA", ca + ".crt", "-CAkey", ca + ".key",
                 "-CAcreateserial", "-days", "1", "-extfile", name + ".ext", "-out", name + ".crt")


def _b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def hs256_jwt(secret, claims):
    """A JWT signed with HS256, as an identity provider would issue it."""
    signing_input = _b64url(json.dumps({"alg": "HS256", "typ": "JWT"}).encode()) + "." + _b64url(
        json.dumps(claims).encode())
    signature = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return signing_input + "." + _b64url(signature)


@unittest.skipIf(OPENSSL is None, "openssl is needed to make the test certificates")
class SecurityTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="kvstore-py-tls-")
        make_certificates(cls.dir)
        # An API key as `kvstore auth key create` makes one: the server keeps only its SHA-256.
        cls.key = "kvs_" + secrets.token_urlsafe(32)
        keys_file = cls.pem("keys.json")
        with open(keys_file, "w") as f:
            digest = hashlib.sha256(cls.key.encode()).hexdigest()
            json.dump([{"name": "python", "hash": "sha256:" + digest, "roles": ["admin"]}], f)
        tls = ["--grpc-tls-cert", cls.pem("server.crt"), "--grpc-tls-key", cls.pem("server.key")]
        cls.servers = []
        # TLS with API keys; and mTLS (a client certificate of our CA is required).
        cls.keyed = cls.start(os.path.join(cls.dir, "keyed"), tls + ["--security-api-keys-file", keys_file])
        cls.mtls = cls.start(os.path.join(cls.dir, "mtls"), tls + ["--grpc-tls-client-ca", cls.pem("ca.crt")])
        # JWTs from an identity provider sharing an HS256 secret with the server.
        cls.jwt_secret = secrets.token_bytes(32)
        with open(cls.pem("jwt.secret"), "wb") as f:
            f.write(cls.jwt_secret)
        cls.jwt = cls.start(os.path.join(cls.dir, "jwt"), tls + [
            "--security-jwt-secret-file", cls.pem("jwt.secret"),
            "--security-jwt-issuer", "https://id.example", "--security-jwt-audience", "kvstore"])

    @classmethod
    def start(cls, data, args):
        os.makedirs(data)
        server = Server(data, extra_args=args)
        cls.servers.append(server)
        return server

    @classmethod
    def tearDownClass(cls):
        for s in cls.servers:
            s.stop()
        shutil.rmtree(cls.dir, True)

    @classmethod
    def pem(cls, name):
        return os.path.join(cls.dir, name)

    def client(self, server, **options):
        kv = kvstore.connect(endpoints=[server.addr], timeout=3, retry={"max_attempts": 1}, **options)
        self.addCleanup(kv.close)
        return kv

    def test_tls_and_an_api_key_serve_calls_and_watches(self):
        with open(self.pem("ca.crt"), "rb") as f:
            ca = f.read()  # PEM bytes work as well as a path
        kv = self.client(self.keyed, tls=kvstore.Tls(ca=ca), api_key=self.key)
        rev = kv.set("secure/a", "1").revision
        self.assertEqual(kv.get("secure/a").value, b"1")
        with kv.watch(prefix="secure/", start_revision=rev) as watch:
            event = next(iter(watch))
        self.assertEqual((event.revision, event.key, event.kv.value), (rev, "secure/a", b"1"))

    def test_a_missing_or_wrong_api_key_is_an_auth_error(self):
        tls = kvstore.Tls(ca=self.pem("ca.crt"))
        for options in ({}, {"api_key": "kvs_not-the-key"}):
            with self.subTest(**options):
                kv = self.client(self.keyed, tls=tls, **options)
                with self.assertRaises(kvstore.AuthError) as caught:
                    kv.get("secure/a")
                self.assertEqual(caught.exception.code_name, "UNAUTHENTICATED")
                with self.assertRaises(kvstore.AuthError):
                    next(iter(kv.watch(prefix="secure/", start_revision=1)))

    def test_a_jwt_goes_where_an_api_key_does(self):
        tls = kvstore.Tls(ca=self.pem("ca.crt"))
        claims = {"sub": "py", "iss": "https://id.example", "aud": "kvstore", "roles": ["admin"],
                  "exp": int(time.time()) + 600}
        kv = self.client(self.jwt, tls=tls, api_key=hs256_jwt(self.jwt_secret, claims))
        rev = kv.set("jwt/a", "1").revision
        with kv.watch(prefix="jwt/", start_revision=rev) as watch:
            self.assertEqual(next(iter(watch)).revision, rev)
        expired = dict(claims, exp=int(time.time()) - 3600)
        with self.assertRaisesRegex(kvstore.AuthError, "expired"):
            self.client(self.jwt, tls=tls, api_key=hs256_jwt(self.jwt_secret, expired)).get("jwt/a")
        with self.assertRaises(kvstore.AuthError):
            self.client(self.jwt, tls=tls, api_key=hs256_jwt(b"x" * 32, claims)).get("jwt/a")

    def test_mtls_needs_a_client_certificate_of_the_servers_ca(self):
        good = self.client(self.mtls, tls=kvstore.Tls(ca=self.pem("ca.crt"), cert=self.pem("client.crt"),
                                                     key=self.pem("client.key")))
        good.set("m", "1")
        self.assertEqual(good.get("m").value, b"1")
        refused = [
            kvstore.Tls(ca=self.pem("ca.crt")),  # no client certificate
            kvstore.Tls(ca=self.pem("ca.crt"), cert=self.pem("stranger.crt"), key=self.pem("stranger.key")),
        ]
        for tls in refused:
            with self.subTest(cert=tls.cert):
                with self.assertRaises(kvstore.UnavailableError):
                    self.client(self.mtls, tls=tls).get("m")

    def test_plaintext_and_an_untrusted_server_certificate_are_refused(self):
        with self.assertRaises(kvstore.UnavailableError):
            self.client(self.keyed, api_key=self.key).get("k")
        with self.assertRaises(kvstore.UnavailableError):
            self.client(self.keyed, tls=kvstore.Tls(ca=self.pem("stranger-ca.crt")), api_key=self.key).get("k")

    def test_bad_options_fail_at_connect(self):
        with self.assertRaisesRegex(ValueError, "api_key"):
            kvstore.connect(api_key="has spaces in it")
        with self.assertRaisesRegex(ValueError, "go together"):
            kvstore.connect(tls=kvstore.Tls(cert=self.pem("client.crt")))
        with self.assertRaisesRegex(ValueError, "cannot read"):
            kvstore.connect(tls=kvstore.Tls(ca=self.pem("missing.crt")))


if __name__ == "__main__":
    unittest.main()
