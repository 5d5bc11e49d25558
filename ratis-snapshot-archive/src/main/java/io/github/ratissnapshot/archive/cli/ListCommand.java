package io.github.ratissnapshot.archive.cli;

import io.github.ratissnapshot.archive.store.ArchiveStore;
import io.github.ratissnapshot.archive.store.StoredArchive;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code ratis-snapshot list LOCATION}: the archives a store holds, per group, oldest first. */
@Command(name = "list", mixinStandardHelpOptions = true,
    description = {"List the archives in a store (a directory), per group, oldest first: creation time, term, "
        + "index, size. Reads no archive and changes nothing."})
final class ListCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Option(names = "--group", paramLabel = "UUID", description = "Only this group's archives.")
  UUID group;

  @Mixin
  FormatOption output = new FormatOption();

  @Parameters(index = "0", paramLabel = "LOCATION",
      description = "The store: a directory, file:///dir or s3://bucket/prefix?endpoint=URL.")
  String location;

  @Override
  public Integer call() throws Exception {
    try (ArchiveStore store = StoreOptions.openExisting(spec, location)) {
      List<UUID> groups = group != null ? List.of(group) : store.groups();
      Map<UUID, ArchiveStore.Listing> listings = new LinkedHashMap<>();
      for (UUID g : groups) {
        listings.put(g, store.list(g));
      }
      PrintWriter out = spec.commandLine().getOut();
      if (output.json()) {
        FormatOption.printJson(out, json(store.location(), listings));
      } else {
        text(store.location(), listings, out);
      }
      out.flush();
    }
    return ExitCode.OK;
  }

  private static void text(String location, Map<UUID, ArchiveStore.Listing> listings, PrintWriter out) {
    if (listings.isEmpty()) {
      out.printf("%s: no archives%n", location);
    }
    listings.forEach((g, l) -> {
      out.printf("group %s: %d archive%s%n", g, l.archives().size(), l.archives().size() == 1 ? "" : "s");
      for (StoredArchive a : l.archives()) {
        out.printf("  %s  term %d  index %d  %s  %s%n", a.name().created(), a.name().term(), a.name().index(),
            Sizes.format(a.size()), a.name().fileName());
      }
      for (String f : l.foreign()) {
        out.printf("  (not an archive name, left alone) %s%n", f);
      }
    });
  }

  private static Map<String, Object> json(String location, Map<UUID, ArchiveStore.Listing> listings) {
    List<Object> groups = new ArrayList<>();
    listings.forEach((g, l) -> {
      List<Object> archives = new ArrayList<>();
      for (StoredArchive a : l.archives()) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", a.name().key());
        m.put("created", a.name().created().toString());
        m.put("term", a.name().term());
        m.put("index", a.name().index());
        m.put("size", a.size());
        m.put("stateSha256", a.stateSha256());
        m.put("archiveSha256", a.archiveSha256());
        archives.add(m);
      }
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("group", g.toString());
      m.put("archives", archives);
      m.put("foreign", l.foreign());
      groups.add(m);
    });
    Map<String, Object> root = new LinkedHashMap<>();
    root.put("location", location);
    root.put("groups", groups);
    return root;
  }
}
