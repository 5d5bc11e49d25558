package io.github.ratissnapshot.archive.ratis;

import java.io.IOException;
import java.io.Writer;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.concurrent.atomic.AtomicLong;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Real X.509 material for the TLS tests, generated with BouncyCastle: a certificate authority, and
 * certificates it signs for 127.0.0.1/localhost usable as both server and client, written as PEM files
 * (keys as PKCS#8, as gRPC's netty requires).
 *
 * <p>Public for the tests of other modules, which get it from this module's test-jar (the examples' end-to-end
 * TLS test passes the files to the CLI). Thread-safe: every call generates new keys.
 */
public final class TestCertificates {
  private static final AtomicLong SERIAL = new AtomicLong(System.currentTimeMillis());

  /** An authority that signs certificates. */
  public static final class Authority {
    final KeyPair keys;
    final X509Certificate cert;
    /** The authority's certificate as a PEM file, {@code <name>.crt}: what a party trusts ({@code --tls-ca}). */
    public final Path certFile;

    private Authority(KeyPair keys, X509Certificate cert, Path certFile) {
      this.keys = keys;
      this.cert = cert;
      this.certFile = certFile;
    }

    /**
     * Issues a certificate for {@code name}, valid for 127.0.0.1 and localhost as server and client, and
     * writes {@code <name>.crt} and {@code <name>.key} (PKCS#8) into {@code dir}, replacing files of those names.
     *
     * @param dir an existing directory
     * @param name the subject's common name and the files' base name
     * @return the files
     * @throws Exception if the key cannot be generated, the certificate signed or a file written
     */
    public Issued issue(Path dir, String name) throws Exception {
      KeyPair kp = rsa();
      X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(cert, serial(), from(), to(),
          new X500Name("CN=" + name), kp.getPublic());
      b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
      b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment));
      b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
          new GeneralName(GeneralName.iPAddress, "127.0.0.1"), new GeneralName(GeneralName.dNSName, "localhost")}));
      X509Certificate c = sign(b, keys.getPrivate());
      Path certFile = dir.resolve(name + ".crt");
      Path keyFile = dir.resolve(name + ".key");
      writePem(certFile, c);
      writeKey(keyFile, kp.getPrivate());
      return new Issued(certFile, keyFile);
    }
  }

  /**
   * A certificate and its key, as files.
   *
   * @param cert the certificate (PEM), for {@code --tls-cert}
   * @param key its private key (PEM, PKCS#8), for {@code --tls-key}
   */
  public record Issued(Path cert, Path key) {}

  private TestCertificates() {}

  /**
   * Creates a self-signed authority named {@code name} and writes its certificate to {@code <name>.crt} in
   * {@code dir}; its private key stays in memory.
   *
   * @param dir an existing directory
   * @param name the authority's common name and the file's base name
   * @return the authority, which issues certificates
   * @throws Exception if the key cannot be generated, the certificate signed or the file written
   */
  public static Authority authority(Path dir, String name) throws Exception {
    KeyPair kp = rsa();
    X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(new X500Name("CN=" + name), serial(), from(), to(),
        new X500Name("CN=" + name), kp.getPublic());
    b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
    b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
    X509Certificate c = sign(b, kp.getPrivate());
    Path file = dir.resolve(name + ".crt");
    writePem(file, c);
    return new Authority(kp, c, file);
  }

  private static X509Certificate sign(X509v3CertificateBuilder b, PrivateKey key) throws Exception {
    ContentSigner signer = new JcaContentSignerBuilder("SHA256withRSA").build(key);
    return new JcaX509CertificateConverter().getCertificate(b.build(signer));
  }

  private static KeyPair rsa() throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
    g.initialize(2048);
    return g.generateKeyPair();
  }

  private static BigInteger serial() {
    return BigInteger.valueOf(SERIAL.incrementAndGet());
  }

  private static Date from() {
    return Date.from(Instant.now().minus(Duration.ofDays(1)));
  }

  private static Date to() {
    return Date.from(Instant.now().plus(Duration.ofDays(30)));
  }

  private static void writePem(Path file, Object o) throws IOException {
    try (Writer w = Files.newBufferedWriter(file); JcaPEMWriter pem = new JcaPEMWriter(w)) {
      pem.writeObject(o);
    }
  }

  private static void writeKey(Path file, PrivateKey key) throws IOException {
    try (Writer w = Files.newBufferedWriter(file); JcaPEMWriter pem = new JcaPEMWriter(w)) {
      pem.writeObject(new JcaPKCS8Generator(key, null));
    }
  }
}
