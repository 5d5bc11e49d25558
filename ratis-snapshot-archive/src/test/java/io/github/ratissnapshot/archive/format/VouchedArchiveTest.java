package io.github.ratissnapshot.archive.format;

import static io.github.ratissnapshot.archive.format.Fixtures.META;
import static io.github.ratissnapshot.archive.format.Fixtures.STATE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

/**
 * Archives of a state compressed elsewhere and vouched for (each segment's length and CRC-32, the state's
 * SHA-256): written without inflating, they are the bytes of the inflating splice, and whatever the source
 * vouched for wrongly is caught when the archive is verified.
 */
class VouchedArchiveTest {
  @Property(tries = 40)
  void anySplitMakesTheBytesOfTheInflatingSplice(
      @ForAll @Size(max = 12) List<@IntRange(min = 1, max = 70_000) Integer> cuts,
      @ForAll @IntRange(min = 0, max = 200_000) int size, @ForAll @IntRange(min = 1, max = 500) int seed)
      throws Exception {
    byte[] state = TestStates.stream(seed, size).readAllBytes();
    List<int[]> ranges = SplicedArchiveTest.ranges(cuts, size);
    SnapshotMeta meta = META.withSize(size);
    ByteArrayOutputStream inflating = new ByteArrayOutputStream();
    ArchiveSummary expected = Fixtures.writer().write(inflating, meta, SplicedArchiveTest.Segments.of(state, ranges, 6));
    ByteArrayOutputStream vouched = new ByteArrayOutputStream();

    ArchiveSummary written = Fixtures.writer().writeVouched(vouched, meta, Vouched.of(state, ranges, 6));

    assertThat(vouched.toByteArray()).isEqualTo(inflating.toByteArray());
    assertThat(written).isEqualTo(expected);
    assertThat(ArchiveReader.defaults().verify(new ByteArrayInputStream(vouched.toByteArray()))).isEqualTo(expected);
  }

  @Test
  void aWrongShaVouchedForIsWrittenAndCaughtByVerification() throws Exception {
    Vouched source = Vouched.of(STATE, SplicedArchiveTest.ranges(STATE.length, 1000), 6);
    source.sha256[0] ^= 1;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    Fixtures.writer().writeVouched(out, META.withSize(STATE.length), source);

    assertThatThrownBy(() -> ArchiveReader.defaults().verify(new ByteArrayInputStream(out.toByteArray())))
        .isInstanceOfSatisfying(CorruptArchiveException.class,
            e -> assertThat(e.problem()).isEqualTo(ArchiveException.Problem.HASH_MISMATCH))
        .hasMessageContaining(ArchiveLayout.STATE);
  }

  @Test
  void aWrongCrcVouchedForIsWrittenAndCaughtByVerification() throws Exception {
    Vouched source = Vouched.of(STATE, SplicedArchiveTest.ranges(STATE.length, 1000), 6);
    source.crcs.set(1, source.crcs.get(1) ^ 1);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    Fixtures.writer().writeVouched(out, META.withSize(STATE.length), source);

    assertThatThrownBy(() -> ArchiveReader.defaults().verify(new ByteArrayInputStream(out.toByteArray())))
        .isInstanceOfSatisfying(ArchiveException.class,
            e -> assertThat(e.problem()).isEqualTo(ArchiveException.Problem.GZIP_CRC))
        .hasMessageStartingWith("gzip CRC-32: actual ");
  }

  @Test
  void aCorruptSegmentIsWrittenAndCaughtByVerification() throws Exception {
    Vouched source = Vouched.of(STATE, SplicedArchiveTest.ranges(STATE.length, 1000), 6);
    source.segments.set(2, Vouched.of(new byte[1000], List.<int[]>of(new int[] {0, 1000}), 6).segments.get(0));
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    Fixtures.writer().writeVouched(out, META.withSize(STATE.length), source);

    // It inflates (to zeros where the range was): the CRC-32 vouched for the range's real bytes tells.
    assertThatThrownBy(() -> ArchiveReader.defaults().verify(new ByteArrayInputStream(out.toByteArray())))
        .isInstanceOfSatisfying(ArchiveException.class,
            e -> assertThat(e.problem()).isEqualTo(ArchiveException.Problem.GZIP_CRC));
  }

  @Test
  void lengthsThatAddUpToMoreOrLessThanTheSizeAreRefused() {
    List<int[]> ranges = SplicedArchiveTest.ranges(STATE.length, 1000);

    assertThatThrownBy(() -> Fixtures.writer().writeVouched(new ByteArrayOutputStream(),
        META.withSize(STATE.length - 1), Vouched.of(STATE, ranges, 6)))
        .isInstanceOf(StateSizeException.class)
        .hasMessage("the compressed state inflates to more than the 2,999 bytes meta.json Size declares");
    assertThatThrownBy(() -> Fixtures.writer().writeVouched(new ByteArrayOutputStream(),
        META.withSize(STATE.length + 1), Vouched.of(STATE, ranges, 6)))
        .isInstanceOf(StateSizeException.class)
        .hasMessage("the compressed state inflates to 3,000 bytes; meta.json Size declares 3,001");
  }

  @Test
  void aSourceThatVouchesForNoShaIsRefused() {
    Vouched source = Vouched.of(STATE, SplicedArchiveTest.ranges(STATE.length, 1000), 6);
    VouchedDeflatedState noSha = new VouchedDeflatedState() {
      @Override
      public Segment nextSegment() {
        return source.nextSegment();
      }

      @Override
      public byte[] sha256() {
        return null;
      }
    };

    assertThatThrownBy(() -> Fixtures.writer().writeVouched(new ByteArrayOutputStream(), META.withSize(STATE.length),
        noSha)).isInstanceOf(IOException.class).hasMessage("the source vouched for no SHA-256 of the state");
  }

  /** Segments as a server makes them, with each range's length and CRC-32 and the state's SHA-256. */
  static final class Vouched implements VouchedDeflatedState {
    final List<byte[]> segments = new ArrayList<>();
    final List<Integer> lengths = new ArrayList<>();
    final List<Integer> crcs = new ArrayList<>();
    final byte[] sha256;
    private int next;

    private Vouched(byte[] sha256) {
      this.sha256 = sha256;
    }

    static Vouched of(byte[] state, List<int[]> ranges, int level) {
      Vouched v = new Vouched(Digests.sha256().digest(state));
      SplicedArchiveTest.Segments deflated = SplicedArchiveTest.Segments.of(state, ranges, level);
      for (int[] r : ranges) {
        v.segments.add(deflated.queue.poll());
        v.lengths.add(r[1]);
        CRC32 crc = new CRC32();
        crc.update(state, r[0], r[1]);
        v.crcs.add((int) crc.getValue());
      }
      return v;
    }

    @Override
    public Segment nextSegment() {
      if (next == segments.size()) {
        return null;
      }
      int i = next++;
      return new Segment(ByteBuffer.wrap(segments.get(i)).asReadOnlyBuffer(), lengths.get(i), crcs.get(i));
    }

    @Override
    public byte[] sha256() {
      return sha256;
    }
  }
}
