package io.github.ratissnapshot.archive.cli;

import io.github.ratissnapshot.archive.ratis.MutualTls;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.apache.ratis.conf.Parameters;
import org.apache.ratis.conf.RaftProperties;
import picocli.CommandLine.Option;

/**
 * Transport security of client commands: mutual TLS when {@code --tls-cert}, {@code --tls-key} and
 * {@code --tls-ca} are given, plaintext otherwise. A picocli mixin.
 */
public final class TlsOptions {
  @Option(names = "--tls-cert", paramLabel = "PEM",
      description = "Enables mutual TLS: this party's certificate chain (PEM), signed by --tls-ca.")
  Path cert;

  @Option(names = "--tls-key", paramLabel = "PEM", description = "The certificate's private key (PKCS#8).")
  Path key;

  @Option(names = "--tls-ca", paramLabel = "PEM",
      description = "The authority whose certificates are trusted (PEM); peers without one are refused.")
  Path ca;

  /** Creates the options; picocli fills them. */
  public TlsOptions() {}

  /** Returns whether any TLS option was given. */
  public boolean enabled() {
    return cert != null || key != null || ca != null;
  }

  /** Returns the client properties for the chosen transport. */
  public RaftProperties properties() {
    return new RaftProperties();
  }

  /**
   * Returns the RPC parameters (TLS key material), or null for plaintext.
   *
   * @throws IllegalArgumentException if only some of the three options are given
   * @throws NoSuchFileException if a file does not exist
   */
  public Parameters parameters() throws NoSuchFileException {
    if (!enabled()) {
      return null;
    }
    if (cert == null || key == null || ca == null) {
      throw new IllegalArgumentException("--tls-cert, --tls-key and --tls-ca go together");
    }
    return MutualTls.parameters(cert, key, ca);
  }
}
