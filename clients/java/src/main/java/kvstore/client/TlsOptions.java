package kvstore.client;

import java.nio.file.Path;

/**
 * TLS to servers started with grpc.tlsCert (docs/security.md): PEM files.
 *
 * @param ca the CA bundle the server's certificate chains to; null trusts the JDK's roots
 * @param cert a client certificate chain for mTLS, or null
 * @param key the client certificate's private key (PKCS#8 PEM), or null
 */
public record TlsOptions(Path ca, Path cert, Path key) {
  public TlsOptions {
    if ((cert == null) != (key == null)) {
      throw new IllegalArgumentException("tls: cert and key go together (mTLS)");
    }
  }

  /** Trust the server certificates that chain to {@code ca}, no client certificate. */
  public static TlsOptions trusting(Path ca) {
    return new TlsOptions(ca, null, null);
  }
}
