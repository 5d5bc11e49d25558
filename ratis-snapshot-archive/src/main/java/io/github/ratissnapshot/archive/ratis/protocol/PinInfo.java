package io.github.ratissnapshot.archive.ratis.protocol;

import io.github.ratissnapshot.archive.format.Configuration;
import io.github.ratissnapshot.archive.format.Server;
import io.github.ratissnapshot.archive.format.Suffrage;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;

/**
 * A server's answer to {@code PIN}: the snapshot it pinned, and the group's configuration at that snapshot's
 * point in the log.
 *
 * @param pinId the pin, for {@code READ} and {@code RELEASE}
 * @param term the snapshot's term
 * @param index the snapshot's index
 * @param size the bytes of state
 * @param md5Hex the MD5 the server recorded for the file, or null
 * @param configuration the configuration in force at {@code index}
 * @param configurationIndex the log index of that configuration, at most {@code index}
 * @param deflates whether the server answers {@code DEFLATE} (compresses ranges itself); false from servers
 *     of earlier releases, whose reply ends before this field
 * @param sha256Hex the SHA-256 of the file, which the server computed as it wrote the file, or null when it
 *     did not (a snapshot from before a restart or installed by Ratis; servers of earlier releases, whose
 *     reply ends before this field); a server that sends it also answers {@code DEFLATE} with CRC-32s
 */
public record PinInfo(UUID pinId, long term, long index, long size, String md5Hex, Configuration configuration,
    long configurationIndex, boolean deflates, String sha256Hex) {
  /** Checks the invariant every archive keeps: its configuration is part of its own log prefix. */
  public PinInfo {
    if (configurationIndex > index) {
      throw new IllegalArgumentException("configuration index " + configurationIndex
          + " is after the snapshot's index " + index);
    }
  }

  /** Returns the successful reply that carries this pin. */
  public Message toReply() {
    return Replies.ok(this::write);
  }

  /**
   * Reads a pin reply.
   *
   * @param reply the reply's content
   * @param from the server, for messages
   * @return the pin
   * @throws RemoteArchiveException the server's failure, or a malformed reply
   */
  public static PinInfo parse(ByteString reply, Object from) throws RemoteArchiveException {
    return Replies.read(reply, from, PinInfo::read);
  }

  private void write(DataOutputStream out) throws IOException {
    Wire.uuid(out, pinId);
    out.writeLong(term);
    out.writeLong(index);
    out.writeLong(size);
    Wire.text(out, md5Hex);
    out.writeLong(configurationIndex);
    List<Server> servers = configuration.servers();
    out.writeInt(servers.size());
    for (Server s : servers) {
      out.writeByte(s.suffrage().code());
      out.writeUTF(s.id());
      out.writeUTF(s.address());
    }
    out.writeBoolean(deflates);
    if (sha256Hex != null) {
      Wire.text(out, sha256Hex);
    }
  }

  private static PinInfo read(DataInputStream in) throws IOException {
    UUID id = Wire.uuid(in);
    long term = in.readLong();
    long index = in.readLong();
    long size = in.readLong();
    String md5 = Wire.optionalText(in);
    long confIndex = in.readLong();
    int n = Wire.boundedCount(in, 10_000, "server count");
    List<Server> servers = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      Suffrage suffrage = Suffrage.ofCode(in.readByte());
      servers.add(new Server(suffrage, in.readUTF(), in.readUTF()));
    }
    boolean deflates = in.available() > 0 && in.readBoolean();
    String sha256 = in.available() > 0 ? Wire.optionalText(in) : null;
    return new PinInfo(id, term, index, size, md5, new Configuration(servers), confIndex, deflates, sha256);
  }
}
