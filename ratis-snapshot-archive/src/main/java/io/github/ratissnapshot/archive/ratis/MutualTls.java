package io.github.ratissnapshot.archive.ratis;

import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.apache.ratis.conf.Parameters;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.grpc.GrpcTlsConfig;

/**
 * Mutual TLS on Ratis's gRPC transport from PEM files, for servers and clients alike: every connection
 * presents {@code cert} (with its PKCS#8 {@code key}) and accepts only peers whose certificate chains to
 * {@code ca}. A server started with it refuses clients without such a certificate, so only holders of a
 * trusted certificate can write, save or restore.
 */
public final class MutualTls {
  private MutualTls() {}

  /**
   * Returns RPC parameters that enable mutual TLS for servers, clients and the admin service.
   *
   * @param cert this party's certificate chain (PEM)
   * @param key its private key (PEM, PKCS#8)
   * @param ca the certificate(s) of the authority that signs every party (PEM)
   * @return the parameters for {@code RaftServer.Builder.setParameters} or {@code RaftClient.Builder}
   * @throws NoSuchFileException if a file does not exist
   */
  public static Parameters parameters(Path cert, Path key, Path ca) throws NoSuchFileException {
    for (Path p : new Path[] {cert, key, ca}) {
      if (!Files.isRegularFile(p)) {
        throw new NoSuchFileException(p.toString());
      }
    }
    GrpcTlsConfig tls = new GrpcTlsConfig(key.toFile(), cert.toFile(), ca.toFile(), true);
    Parameters parameters = new Parameters();
    GrpcConfigKeys.TLS.setConf(parameters, tls);
    GrpcConfigKeys.Server.setTlsConf(parameters, tls);
    GrpcConfigKeys.Client.setTlsConf(parameters, tls);
    GrpcConfigKeys.Admin.setTlsConf(parameters, tls);
    return parameters;
  }
}
