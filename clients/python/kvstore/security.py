"""TLS and API keys: how a client proves who it is and checks whom it talks to (docs/security.md)."""
import os
import re
from dataclasses import dataclass

import grpc

__all__ = ["Tls", "channel_credentials", "auth_metadata"]


@dataclass(frozen=True)
class Tls:
    """Connect over TLS. Each of ``ca``, ``cert``, ``key`` is PEM bytes or a file path (str / PathLike).

    ca: the CA certificates to trust (None: the system's roots).
    cert / key: a client certificate and its key, for a server that asks for one (mTLS); both or neither.
    server_name: the name to check the server's certificate against, when it is not the endpoint's host.
    """

    ca: object = None
    cert: object = None
    key: object = None
    server_name: str = None


def _pem(what, value):
    if value is None or isinstance(value, bytes):
        return value
    if isinstance(value, (str, os.PathLike)):
        try:
            with open(value, "rb") as f:
                return f.read()
        except OSError as err:
            raise ValueError("connect: tls.%s: cannot read %s (%s)" % (what, value, err.strerror)) from None
    raise TypeError("connect: tls.%s is PEM bytes or a file path" % what)


def channel_credentials(tls):
    """grpc channel credentials for ``tls`` (a Tls, True for the system's roots), and extra channel options."""
    if tls is True:
        tls = Tls()
    if not isinstance(tls, Tls):
        raise TypeError("connect: tls is a kvstore.Tls, True or None")
    if (tls.cert is None) != (tls.key is None):
        raise ValueError("connect: tls.cert and tls.key go together (a client certificate and its key)")
    creds = grpc.ssl_channel_credentials(
        root_certificates=_pem("ca", tls.ca),
        private_key=_pem("key", tls.key),
        certificate_chain=_pem("cert", tls.cert),
    )
    options = [] if tls.server_name is None else [("grpc.ssl_target_name_override", tls.server_name)]
    return creds, options


_API_KEY = re.compile(r"^[\x21-\x7e]+$")


def auth_metadata(api_key):
    """The metadata every call carries: ``authorization: Bearer <key>``, or nothing without a key."""
    if api_key is None:
        return ()
    if not isinstance(api_key, str) or not _API_KEY.match(api_key):
        raise ValueError("connect: api_key must be printable ASCII without spaces (as kvstore auth key create prints it)")
    return (("authorization", "Bearer " + api_key),)
