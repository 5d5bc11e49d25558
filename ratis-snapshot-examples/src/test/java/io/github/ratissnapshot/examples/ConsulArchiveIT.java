package io.github.ratissnapshot.examples;

import static io.github.ratissnapshot.examples.CliAssertions.assertExit;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The CLI reads a real archive written by {@code consul snapshot save} (Consul 1.x), from
 * {@code ${interop.dir}}; skipped when that directory is absent.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ConsulArchiveIT {
  private static final String SERVER_ID = "b565749f-0cc2-61e1-7ba0-d5c18b9dd6b4";
  private static Path archive;

  @BeforeAll
  static void findTheConsulArchive() {
    String dir = System.getProperty("interop.dir");
    assumeTrue(dir != null && Files.isDirectory(Path.of(dir)), "interop fixtures absent: " + dir);
    archive = Path.of(dir, "consul-1.x-backup.snap");
    assumeTrue(Files.isRegularFile(archive), "no Consul archive in " + dir);
  }

  @Test
  void verifyAcceptsConsulsArchive() {
    CliProcess.Result r = CliProcess.run("verify", archive.toString());
    assertExit(r, 0);
    assertThat(r.stdout()).as(r::describe).contains("valid snapshot archive", "Index 43459", "Term 2", "Size 81853");
    assertThat(r.stderr()).as(r::describe).isEmpty();
  }

  @Test
  void inspectShowsConsulsMetadataAsText() {
    CliProcess.Result r = CliProcess.run("inspect", archive.toString());
    assertExit(r, 0);
    assertThat(r.stdoutLines()).as(r::describe)
        .contains("ID                  2-43459-1651147313637", "Index               43459",
            "Term                2", "Version             1", "ConfigurationIndex  1",
            "Created             2022-04-28T12:01:53.637Z", "ArchiveSize         35302 (34.47 KiB, 2.32x compressed)",
            "WrittenBy           Consul or Nomad")
        .anyMatch(l -> l.startsWith("Size                81853 "))
        .anyMatch(l -> l.matches("\\s+Voter\\s+" + SERVER_ID + "\\s+10\\.42\\.0\\.11:8300"));
  }

  @Test
  void inspectShowsConsulsMetadataAsJson() throws Exception {
    CliProcess.Result r = CliProcess.run("inspect", "--format", "json", archive.toString());
    assertExit(r, 0);
    JsonNode json = new ObjectMapper().readTree(r.stdout());
    assertThat(json.get("ID").asText()).isEqualTo("2-43459-1651147313637");
    assertThat(json.get("Index").asLong()).isEqualTo(43459);
    assertThat(json.get("Term").asLong()).isEqualTo(2);
    assertThat(json.get("Size").asLong()).isEqualTo(81853);
    assertThat(json.get("Peers").isTextual()).as("Peers is base64").isTrue();
    assertThat(json.get("Servers")).hasSize(1);
    JsonNode server = json.get("Servers").get(0);
    assertThat(server.get("Suffrage").asText()).isEqualTo("Voter");
    assertThat(server.get("ID").asText()).isEqualTo(SERVER_ID);
    assertThat(server.get("Address").asText()).isEqualTo("10.42.0.11:8300");
    assertThat(json.get("Entries").findValuesAsText("Name")).containsExactly("meta.json", "state.bin", "SHA256SUMS");
    assertThat(json.get("Entries").get(1).get("Size").asLong()).isEqualTo(81853);
    assertThat(json.get("Valid").asBoolean()).isTrue();
    assertThat(json.get("WrittenBy").asText()).isEqualTo("Consul or Nomad");
    assertThat(json.get("ArchiveSize").asLong()).isEqualTo(35302);
  }
}
