package io.github.ratissnapshot.archive.cli;

import org.apache.ratis.conf.Parameters;
import org.apache.ratis.conf.RaftProperties;

/** Transport security options of client commands; plaintext unless given. */
public final class TlsOptions {
  /** Creates the options; picocli fills them. */
  public TlsOptions() {}

  /** Returns the client properties for the chosen transport. */
  public RaftProperties properties() {
    return new RaftProperties();
  }

  /** Returns the RPC parameters (TLS key material), or null for plaintext. */
  public Parameters parameters() {
    return null;
  }
}
