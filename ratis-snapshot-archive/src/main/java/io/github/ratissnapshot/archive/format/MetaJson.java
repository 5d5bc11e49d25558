package io.github.ratissnapshot.archive.format;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.SerializableString;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.io.CharacterEscapes;
import com.fasterxml.jackson.core.io.SerializedString;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.ratissnapshot.archive.format.ArchiveException.Problem;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code meta.json} as Go's {@code encoding/json} writes hashicorp/raft's {@code SnapshotMeta}, and a
 * lenient, validating reader of it.
 *
 * <p>Writing is byte-exact: keys in struct order, compact, Go's string escapes ({@code <}, {@code >},
 * {@code &}, U+2028, U+2029 and control characters as lowercase <code>&#92;u00xx</code>), one {@code \n} after
 * the object. Reading follows Go's decoder where it is lenient (unknown keys ignored, keys matched
 * without regard to case, {@code null} or absent numbers are zero) and is strict where it is not safe
 * (duplicate or case-ambiguous keys, trailing content, fractional or out-of-range numbers).
 */
final class MetaJson {
  private static final JsonFactory FACTORY = JsonFactory.builder()
      .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
      // Go writes a rune outside the BMP as its 4 raw UTF-8 bytes, not as an escaped surrogate pair.
      .enable(JsonWriteFeature.COMBINE_UNICODE_SURROGATES_IN_UTF8)
      .streamReadConstraints(StreamReadConstraints.builder()
          .maxNestingDepth(32)
          .maxNumberLength(100)
          .build())
      .build();
  private static final ObjectMapper MAPPER = new ObjectMapper(FACTORY)
      .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
  private static final GoEscapes GO_ESCAPES = new GoEscapes();

  private MetaJson() {}

  /** Returns the exact bytes of {@code meta.json} for {@code meta}, with the trailing newline. */
  static byte[] encode(SnapshotMeta meta) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(256);
    try (JsonGenerator g = FACTORY.createGenerator(out, JsonEncoding.UTF8)) {
      g.setCharacterEscapes(GO_ESCAPES);
      g.writeStartObject();
      g.writeNumberField("Version", meta.version());
      g.writeStringField("ID", meta.id());
      g.writeNumberField("Index", meta.index());
      g.writeNumberField("Term", meta.term());
      byte[] peers = meta.peers();
      if (peers == null) {
        g.writeNullField("Peers");
      } else {
        g.writeStringField("Peers", Base64.getEncoder().encodeToString(peers));
      }
      g.writeObjectFieldStart("Configuration");
      List<Server> servers = meta.configuration().servers();
      if (servers.isEmpty()) {
        g.writeNullField("Servers");
      } else {
        g.writeArrayFieldStart("Servers");
        for (Server s : servers) {
          g.writeStartObject();
          g.writeNumberField("Suffrage", s.suffrage().code());
          g.writeStringField("ID", s.id());
          g.writeStringField("Address", s.address());
          g.writeEndObject();
        }
        g.writeEndArray();
      }
      g.writeEndObject();
      g.writeNumberField("ConfigurationIndex", meta.configurationIndex());
      g.writeNumberField("Size", meta.size());
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException("failed to encode meta.json", e);
    }
    out.write('\n');
    return out.toByteArray();
  }

  /**
   * Parses and validates {@code meta.json}.
   *
   * @param bytes the raw entry
   * @return the metadata
   * @throws CorruptArchiveException with {@link Problem#INVALID_META} or {@link Problem#UNSUPPORTED_VERSION}
   */
  static SnapshotMeta decode(byte[] bytes) throws CorruptArchiveException {
    JsonNode root;
    try {
      root = MAPPER.readTree(bytes);
    } catch (IOException e) {
      throw invalid("meta.json is not valid JSON: " + firstLine(describe(e)), e);
    }
    if (root == null || !root.isObject()) {
      throw invalid("meta.json is not a JSON object");
    }
    Fields meta = new Fields(root, "meta.json");
    long version = meta.integer("Version");
    if (version < SnapshotMeta.MIN_VERSION || version > SnapshotMeta.MAX_VERSION) {
      throw new CorruptArchiveException(Problem.UNSUPPORTED_VERSION, ArchiveLayout.META,
          "meta.json has unsupported snapshot version " + version + " (supported: "
              + SnapshotMeta.MIN_VERSION + " to " + SnapshotMeta.MAX_VERSION + ")");
    }
    String id = meta.string("ID");
    long index = meta.nonNegative("Index");
    long term = meta.nonNegative("Term");
    byte[] peers = meta.base64("Peers");
    Configuration configuration = configuration(meta.node("Configuration"));
    long configurationIndex = meta.nonNegative("ConfigurationIndex");
    long size = meta.nonNegative("Size");
    return new SnapshotMeta((int) version, id, index, term, peers, configuration, configurationIndex, size);
  }

  private static Configuration configuration(JsonNode node) throws CorruptArchiveException {
    if (node == null || node.isNull()) {
      return Configuration.EMPTY;
    }
    if (!node.isObject()) {
      throw invalid("meta.json Configuration is not an object");
    }
    JsonNode servers = new Fields(node, "Configuration").node("Servers");
    if (servers == null || servers.isNull()) {
      return Configuration.EMPTY;
    }
    if (!servers.isArray()) {
      throw invalid("meta.json Configuration.Servers is not an array");
    }
    List<Server> list = new ArrayList<>(servers.size());
    for (int i = 0; i < servers.size(); i++) {
      JsonNode s = servers.get(i);
      String where = "Configuration.Servers[" + i + "]";
      if (!s.isObject()) {
        throw invalid("meta.json " + where + " is not an object");
      }
      Fields f = new Fields(s, where);
      long code = f.integer("Suffrage");
      Suffrage suffrage;
      try {
        suffrage = Suffrage.ofCode(code);
      } catch (IllegalArgumentException e) {
        throw invalid("meta.json " + where + "." + e.getMessage());
      }
      list.add(new Server(suffrage, f.string("ID"), f.string("Address")));
    }
    return new Configuration(list);
  }

  private static CorruptArchiveException invalid(String message) {
    return invalid(message, null);
  }

  private static CorruptArchiveException invalid(String message, Throwable cause) {
    return new CorruptArchiveException(Problem.INVALID_META, ArchiveLayout.META, message, cause);
  }

  private static String describe(IOException e) {
    return e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage();
  }

  private static String firstLine(String s) {
    if (s == null) {
      return "unreadable";
    }
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }

  /** The members of one JSON object, looked up as Go does: exact name first, then ignoring case. */
  private static final class Fields {
    private final JsonNode object;
    private final String where;

    Fields(JsonNode object, String where) {
      this.object = object;
      this.where = where;
    }

    JsonNode node(String name) throws CorruptArchiveException {
      JsonNode found = null;
      String foundKey = null;
      for (Map.Entry<String, JsonNode> e : object.properties()) {
        if (e.getKey().toLowerCase(Locale.ROOT).equals(name.toLowerCase(Locale.ROOT))) {
          if (found != null) {
            throw invalid((where.equals("meta.json") ? where : "meta.json " + where) + " has both \""
                + foundKey + "\" and \"" + e.getKey() + "\"");
          }
          found = e.getValue();
          foundKey = e.getKey();
        }
      }
      return found;
    }

    long integer(String name) throws CorruptArchiveException {
      JsonNode n = node(name);
      if (n == null || n.isNull()) {
        return 0;
      }
      if (!n.isIntegralNumber()) {
        throw invalid("meta.json " + label(name) + " is not an integer: " + n);
      }
      if (!n.canConvertToLong()) {
        throw invalid("meta.json " + label(name) + " is out of range: " + n);
      }
      return n.longValue();
    }

    long nonNegative(String name) throws CorruptArchiveException {
      long v = integer(name);
      if (v < 0) {
        throw invalid("meta.json " + label(name) + " must not be negative, got " + v);
      }
      return v;
    }

    String string(String name) throws CorruptArchiveException {
      JsonNode n = node(name);
      if (n == null || n.isNull()) {
        return "";
      }
      if (!n.isTextual()) {
        throw invalid("meta.json " + label(name) + " is not a string: " + n);
      }
      return n.textValue();
    }

    byte[] base64(String name) throws CorruptArchiveException {
      JsonNode n = node(name);
      if (n == null || n.isNull()) {
        return null;
      }
      if (!n.isTextual()) {
        throw invalid("meta.json " + label(name) + " is not a base64 string: " + n);
      }
      try {
        return Base64.getDecoder().decode(n.textValue());
      } catch (IllegalArgumentException e) {
        throw invalid("meta.json " + label(name) + " is not valid base64: " + e.getMessage(), e);
      }
    }

    private String label(String name) {
      return where.equals("meta.json") ? name : where + "." + name;
    }
  }

  /** Go's {@code encoding/json} string escapes, with HTML escaping on as {@code json.Marshal} has it. */
  private static final class GoEscapes extends CharacterEscapes {
    private static final long serialVersionUID = 1L;
    private final int[] ascii = standardAsciiEscapesForJSON();

    GoEscapes() {
      for (int c = 0; c < 0x20; c++) {
        if (c != '\b' && c != '\f' && c != '\n' && c != '\r' && c != '\t') {
          ascii[c] = ESCAPE_CUSTOM;
        }
      }
      ascii['<'] = ESCAPE_CUSTOM;
      ascii['>'] = ESCAPE_CUSTOM;
      ascii['&'] = ESCAPE_CUSTOM;
    }

    @Override
    public int[] getEscapeCodesForAscii() {
      return ascii;
    }

    @Override
    public SerializableString getEscapeSequence(int ch) {
      if (ch < 0x80 || ch == 0x2028 || ch == 0x2029) {
        return new SerializedString(String.format("\\u%04x", ch));
      }
      return null;
    }
  }
}
