package io.github.ratissnapshot.archive.ratis;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RatisVersionTest {
  @Test
  void theRatisOnTheClassPathIsReadFromItsJarsAndIsATestedLine() {
    assertThat(RatisVersion.running()).matches("3\\.[123]\\.\\d+");
    assertThat(RatisVersion.isTested(RatisVersion.running())).isTrue();
  }

  @Test
  void onlyTheLinesOfTheMatrixAreTested() {
    assertThat(RatisVersion.isTested("3.1.3")).isTrue();
    assertThat(RatisVersion.isTested("3.2.2")).isTrue();
    assertThat(RatisVersion.isTested("3.3.0")).isTrue();
    assertThat(RatisVersion.isTested("3.0.1")).isFalse();
    assertThat(RatisVersion.isTested("3.10.0")).as("not 3.1").isFalse();
    assertThat(RatisVersion.isTested("3.4.0")).isFalse();
    assertThat(RatisVersion.isTested("unknown")).isFalse();
  }
}
