package io.github.ratissnapshot.archive.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.PrintWriter;
import picocli.CommandLine.Option;

/** The {@code --format text|json} option of commands that print for people or for programs (a mixin). */
final class FormatOption {
  /** Output formats. */
  enum Format { text, json }

  @Option(names = "--format", defaultValue = "text", description = "text or json (default: ${DEFAULT-VALUE}).")
  Format format;

  /** Returns whether JSON was asked for. */
  boolean json() {
    return format == Format.json;
  }

  /** Prints a value (maps, lists, strings, numbers) as indented JSON. */
  static void printJson(PrintWriter out, Object value) throws JsonProcessingException {
    out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(value));
  }
}
