package io.github.ratissnapshot.archive.ratis.protocol;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.time.Instant;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;

/**
 * The answer to a {@code LEASE} entry: whether the asker holds the archiving lease now, and who holds it
 * until when.
 *
 * @param granted whether the asker holds it (or released it)
 * @param holder who holds it, or null when nobody does
 * @param expiresAtMillis when the holder's lease ends (epoch milliseconds), or 0 when nobody holds it
 */
public record LeaseReply(boolean granted, String holder, long expiresAtMillis) {
  /** Returns the successful reply that carries this answer. */
  public Message toReply() {
    return Replies.ok(this::write);
  }

  /** Returns when the lease ends. */
  public Instant expiresAt() {
    return Instant.ofEpochMilli(expiresAtMillis);
  }

  /**
   * Reads a lease reply.
   *
   * @param reply the reply's content
   * @param from the server, for messages
   * @return the answer
   * @throws RemoteArchiveException the server's failure, or a malformed reply
   */
  public static LeaseReply parse(ByteString reply, Object from) throws RemoteArchiveException {
    return Replies.read(reply, from, LeaseReply::read);
  }

  private void write(DataOutputStream out) throws IOException {
    out.writeBoolean(granted);
    Wire.text(out, holder);
    out.writeLong(expiresAtMillis);
  }

  private static LeaseReply read(DataInputStream in) throws IOException {
    return new LeaseReply(in.readBoolean(), Wire.optionalText(in), in.readLong());
  }
}
