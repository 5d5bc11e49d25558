package io.github.ratissnapshot.archive.ratis;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.ratissnapshot.archive.ratis.client.RestoreClient;
import io.github.ratissnapshot.archive.ratis.protocol.ArchiveProtocol;
import java.io.File;
import java.lang.reflect.Method;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.UUID;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.proto.RaftProtos.StateMachineLogEntryProto;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.server.raftlog.LogProtoUtils;
import org.apache.ratis.server.raftlog.segmented.LogSegment;
import org.apache.ratis.server.raftlog.segmented.LogSegmentStartEnd;
import org.apache.ratis.server.raftlog.segmented.SegmentedRaftLogOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A server killed while it appends restore chunks to its log must be able to start again. After a crash
 * the open log segment keeps its preallocated, zero-filled tail, and Ratis 3.3.0 fails to read such a
 * segment back ("Resetting to invalid mark", so "Failed to initRaftLog") when an entry in it is larger than
 * half of {@code raft.server.log.appender.buffer.byte-limit}; the fault drills hit this with 3.5 MiB chunks.
 * This test writes the open segment a killed server leaves, with full default-size chunks, and reads it back
 * as a restarting server does, with Ratis's own classes and default limits.
 */
class RestoreChunkCrashRecoveryTest {
  @TempDir
  Path dir;

  @Test
  void openSegmentsOfDefaultSizeChunksLeftByACrashReadBack() throws Exception {
    int perSegment = (int) (ArchiveServerProperties.SEGMENT_SIZE.getSize() / RestoreClient.DEFAULT_CHUNK) - 1;
    for (int chunks = 1; chunks <= perSegment; chunks++) {
      File segment = dir.resolve("log_inprogress_" + chunks).toFile();
      int flushed = crashedSegment(segment, RestoreClient.DEFAULT_CHUNK, chunks);

      int read = LogSegment.readSegmentFile(segment, openSegmentStartingAt(1),
          RaftServerConfigKeys.Log.Appender.BUFFER_BYTE_LIMIT_DEFAULT,
          RaftServerConfigKeys.Log.CorruptionPolicy.EXCEPTION, null, null);

      assertThat(read).as("%d chunks: every flushed entry reads back under Ratis's default policy", chunks)
          .isEqualTo(flushed);
    }
    byte[] full = new byte[RestoreClient.DEFAULT_CHUNK];
    assertThat(ArchiveProtocol.chunk(UUID.randomUUID(), 0, full, full.length).getContent().size())
        .as("a full chunk's message stays under half the default entry limit")
        .isLessThan(RaftServerConfigKeys.Log.Appender.BUFFER_BYTE_LIMIT_DEFAULT.getSizeInt() / 2 - 1024);
  }

  /**
   * Writes the open segment a server leaves when it is killed while appending: {@code chunks} chunks and a
   * small entry, flushed (acknowledged), then one more chunk whose space is preallocated (zeros) but whose
   * bytes never leave the write buffer; no close() truncates the file.
   *
   * @return the number of entries flushed
   */
  static int crashedSegment(File segment, int chunkBytes, int chunks) throws Exception {
    SegmentedRaftLogOutputStream out = new SegmentedRaftLogOutputStream(segment, false,
        ArchiveServerProperties.SEGMENT_SIZE.getSize(), RaftServerConfigKeys.Log.PREALLOCATED_SIZE_DEFAULT.getSize(),
        ByteBuffer.allocateDirect(8 << 20));
    UUID restore = UUID.randomUUID();
    byte[] payload = new byte[chunkBytes];
    int index = 0;
    for (; index < chunks; index++) {
      out.write(chunkEntry(restore, index, payload, index + 1));
    }
    out.write(chunkEntry(restore, index, new byte[16], index + 1));
    index++;
    out.flush();
    out.write(chunkEntry(restore, index, payload, index + 1));
    return index;
  }

  private static LogEntryProto chunkEntry(UUID restore, long seq, byte[] payload, long index) {
    StateMachineLogEntryProto sm = StateMachineLogEntryProto.newBuilder()
        .setLogData(ArchiveProtocol.chunk(restore, seq, payload, payload.length).getContent()).build();
    return LogProtoUtils.toLogEntryProto(sm, 1, index);
  }

  /** {@code LogSegmentStartEnd.valueOf(start)}, which Ratis keeps package-private. */
  private static LogSegmentStartEnd openSegmentStartingAt(long start)
      throws Exception {
    Method m = Class.forName("org.apache.ratis.server.raftlog.segmented.LogSegmentStartEnd")
        .getDeclaredMethod("valueOf", long.class);
    m.setAccessible(true);
    return (LogSegmentStartEnd) m.invoke(null, start);
  }
}
