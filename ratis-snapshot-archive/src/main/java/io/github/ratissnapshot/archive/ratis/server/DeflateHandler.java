package io.github.ratissnapshot.archive.ratis.server;

import io.github.ratissnapshot.archive.format.RawDeflate;
import io.github.ratissnapshot.archive.ratis.protocol.Op.Deflate;
import io.github.ratissnapshot.archive.ratis.protocol.Replies;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.zip.CRC32;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;

/**
 * {@code DEFLATE}: a range of a pinned snapshot file, compressed on this server as one segment of raw deflate
 * data ({@link RawDeflate#segment}), right after the reply's status byte. It costs this server the CPU a
 * client would spend compressing the range and saves the wire four fifths of the bytes of a typical state;
 * as many ranges compress at once as the client has queries in flight. Empty at the end of the file. Asked
 * with CRC, the segment comes after the CRC-32 of the range's bytes (4 bytes, big-endian), so that a client
 * can splice it without inflating it.
 */
final class DeflateHandler implements QueryHandler<Deflate> {
  /** The largest range one query may ask for: bounds what a query holds in this server's heap. */
  static final int MAX_RANGE = 16 << 20;

  private final Replica replica;

  DeflateHandler(Replica replica) {
    this.replica = replica;
  }

  @Override
  public Message answer(Deflate d) throws IOException {
    if (d.length() > MAX_RANGE || d.level() > 9) {
      throw new IOException("bad compressed read: " + d.length() + " bytes (at most " + MAX_RANGE
          + ") at level " + d.level() + " (0 to 9)");
    }
    byte[] buf = replica.pins().read(d.pinId(), d.offset(), d.length(), RawDeflate.DICTIONARY);
    int before = (int) Math.min(RawDeflate.DICTIONARY, d.offset());
    if (buf.length <= before) {
      return Replies.ok(ByteString.EMPTY);
    }
    ByteString segment = UnsafeByteOperations.unsafeWrap(
        RawDeflate.segment(buf, before, buf.length - before, d.level()));
    if (!d.withCrc()) {
      return Replies.ok(segment);
    }
    CRC32 crc = new CRC32();
    crc.update(buf, before, buf.length - before);
    return Replies.ok(UnsafeByteOperations.unsafeWrap(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array())
        .concat(segment));
  }
}
