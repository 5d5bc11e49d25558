package org.apache.ratis.server.raftlog.segmented;

import java.io.File;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.util.SizeInBytes;

/**
 * Test access to how Ratis itself reads an open log segment at startup (in Ratis's package because the
 * start/end value it takes is package-private there). The signature is the same in Ratis 3.1, 3.2 and 3.3.
 */
public final class RatisSegmentReader {
  private RatisSegmentReader() {}

  /**
   * Reads the open segment {@code file} starting at {@code startIndex} with Ratis's default corruption policy
   * (EXCEPTION), as a server's startup does, and returns the indices of the entries read.
   */
  public static List<Long> readOpenSegment(File file, long startIndex) throws IOException {
    List<Long> indices = new ArrayList<>();
    LogSegment.readSegmentFile(file, LogSegmentStartEnd.valueOf(startIndex), SizeInBytes.valueOf("64MB"),
        RaftServerConfigKeys.Log.CorruptionPolicy.EXCEPTION, null, e -> indices.add(e.getIndex()));
    return indices;
  }
}
