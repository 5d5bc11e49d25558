package io.github.ratissnapshot.archive.format;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.zip.CRC32;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

/** The CRC-32 of two runs from theirs equals {@link CRC32} over both, for any bytes and lengths. */
class Crc32CombineTest {
  @Property(tries = 500)
  void combiningEqualsHashingBothRuns(@ForAll @Size(max = 3000) byte[] first, @ForAll @Size(max = 3000) byte[] second) {
    CRC32 both = new CRC32();
    both.update(first);
    both.update(second);

    assertThat(Crc32Combine.combine(crc(first), crc(second), second.length)).isEqualTo((int) both.getValue());
  }

  @Property(tries = 50)
  void combiningManyRunsInOrderEqualsHashingThemAll(@ForAll @Size(min = 1, max = 20) java.util.List<@Size(max = 700)
      byte[]> runs) {
    CRC32 all = new CRC32();
    int combined = 0; // the CRC-32 of nothing
    for (byte[] run : runs) {
      all.update(run);
      combined = Crc32Combine.combine(combined, crc(run), run.length);
    }
    assertThat(combined).isEqualTo((int) all.getValue());
  }

  @Property(tries = 20)
  void longRunsOfZerosCombineAsTheyHash(@ForAll @IntRange(min = 1, max = 64) int mebibytes) {
    byte[] zeros = new byte[mebibytes << 20];
    byte[] head = {1, 2, 3};
    CRC32 both = new CRC32();
    both.update(head);
    both.update(zeros);

    assertThat(Crc32Combine.combine(crc(head), crc(zeros), zeros.length)).isEqualTo((int) both.getValue());
  }

  @Test
  void anEmptySecondRunLeavesTheFirstCrc() {
    assertThat(Crc32Combine.combine(0xcbf43926, 0, 0)).isEqualTo(0xcbf43926);
  }

  @Test
  void aNegativeLengthIsRefused() {
    assertThatThrownBy(() -> Crc32Combine.combine(0, 0, -1)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("negative length -1");
  }

  private static int crc(byte[] b) {
    CRC32 c = new CRC32();
    c.update(b);
    return (int) c.getValue();
  }
}
