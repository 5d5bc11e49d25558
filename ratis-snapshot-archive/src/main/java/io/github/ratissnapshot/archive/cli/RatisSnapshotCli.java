package io.github.ratissnapshot.archive.cli;

import io.github.ratissnapshot.archive.format.ArchiveException;
import io.github.ratissnapshot.archive.ratis.client.Causes;
import io.github.ratissnapshot.archive.ratis.RatisVersion;
import java.io.PrintWriter;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The {@code ratis-snapshot} command: disaster recovery for Apache Ratis groups in Consul's snapshot
 * archive format.
 *
 * <p>{@link #run} maps outcomes to {@link ExitCode}s: usage errors print one line and exit 2, an invalid
 * archive exits 3, any other failure exits 1; each prints one line a person can act on, and the stack
 * trace only with {@code --verbose}.
 */
@Command(
    name = "ratis-snapshot",
    mixinStandardHelpOptions = true,
    versionProvider = RatisSnapshotCli.Version.class,
    description = "Save, inspect, verify, extract and restore snapshot archives of Apache Ratis groups "
        + "(the format of Consul's snapshot command).",
    subcommands = {
        SaveCommand.class, InspectCommand.class, VerifyCommand.class, ExtractCommand.class, RestoreCommand.class,
        SeedCommand.class, StatusCommand.class, ListCommand.class, PruneCommand.class, AgentCommand.class})
public final class RatisSnapshotCli {
  @Option(names = "--verbose", scope = CommandLine.ScopeType.INHERIT,
      description = "Print stack traces of failures.")
  boolean verbose;

  /** Runs the command line and exits the JVM with its exit code. */
  public static void main(String[] args) {
    System.exit(run(newCommandLine(new RatisSnapshotCli()), args));
  }

  /**
   * Creates the command line with its exit-code and error handling installed. Callers may add
   * subcommands before {@link #run}.
   *
   * @param top the top-level command object
   * @return the command line
   */
  public static CommandLine newCommandLine(Object top) {
    return installHandlers(new CommandLine(top));
  }

  /**
   * Installs the exit-code and error handling on a command line and all its subcommands; call again
   * after adding subcommands.
   *
   * @param cl the command line
   * @return {@code cl}
   */
  public static CommandLine installHandlers(CommandLine cl) {
    cl.setParameterExceptionHandler(RatisSnapshotCli::usageError);
    cl.setExecutionExceptionHandler(RatisSnapshotCli::failure);
    return cl;
  }

  /**
   * Runs a command line built by {@link #newCommandLine}.
   *
   * @param cl the command line
   * @param args the arguments
   * @return the exit code
   */
  public static int run(CommandLine cl, String... args) {
    String[] expanded;
    try {
      expanded = withConfigFiles(args);
    } catch (IllegalArgumentException e) {
      cl.getErr().println(cl.getCommandName() + ": " + e.getMessage());
      cl.getErr().flush();
      return ExitCode.USAGE;
    }
    return cl.execute(expanded);
  }

  /**
   * Turns {@code --config FILE} (and {@code --config=FILE}) into picocli's {@code @FILE}: the file's options
   * are read as if given on the command line (whitespace-separated, {@code "} quotes, {@code #} comments).
   *
   * @param args the command line
   * @return the command line picocli parses
   * @throws IllegalArgumentException if a configuration file is not a readable file
   */
  public static String[] withConfigFiles(String... args) {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      String file = args[i].equals("--config") && i + 1 < args.length ? args[++i]
          : args[i].startsWith("--config=") ? args[i].substring("--config=".length()) : null;
      if (file == null) {
        out.add(args[i]);
      } else if (!Files.isRegularFile(Path.of(file)) || !Files.isReadable(Path.of(file))) {
        throw new IllegalArgumentException("--config " + file + ": no such readable file");
      } else {
        out.add("@" + file);
      }
    }
    return out.toArray(String[]::new);
  }

  /** Returns the exit code for a failure. */
  static int exitCodeOf(Throwable t) {
    Throwable r = root(t);
    if (r instanceof ArchiveException) {
      return ExitCode.INVALID_ARCHIVE;
    }
    return r instanceof IllegalArgumentException ? ExitCode.USAGE : ExitCode.FAILURE;
  }

  /**
   * Returns one line describing a failure, for a person.
   *
   * @param t the failure
   * @param canForce whether the command has a {@code --force} option to suggest for an existing file
   */
  static String describe(Throwable t, boolean canForce) {
    if (canForce && root(t) instanceof FileAlreadyExistsException e) {
      return e.getFile() + " already exists (use --force to replace it)";
    }
    return Causes.describe(t);
  }

  /**
   * Replaces control characters with spaces: line breaks, and raw bytes that a library's message may quote,
   * such as Ratis's retry failure quoting the request ({@code kv put} of a 13-character key puts a carriage
   * return there, which would split the error in two).
   */
  static String oneLine(String m) {
    StringBuilder sb = new StringBuilder(m.length());
    m.codePoints().forEach(c -> sb.appendCodePoint(Character.isISOControl(c) ? ' ' : c));
    return sb.toString();
  }

  private static Throwable root(Throwable t) {
    return Causes.root(t);
  }

  private static int usageError(CommandLine.ParameterException e, String[] args) {
    CommandLine cl = e.getCommandLine();
    PrintWriter err = cl.getErr();
    String name = cl.getCommandSpec().qualifiedName(); // "ratis-snapshot kv put" for nested subcommands
    err.println(name + ": " + usageMessage(e, args));
    err.println("Try '" + name + " --help'.");
    err.flush();
    return ExitCode.USAGE;
  }

  /**
   * Returns the message for a usage error: picocli's, except for a word where a command was expected, which
   * is named with the commands there are (and Consul's {@code snapshot save} pointed to {@code save}).
   */
  static String usageMessage(CommandLine.ParameterException e, String[] args) {
    CommandLine cl = e.getCommandLine();
    if (e instanceof CommandLine.UnmatchedArgumentException u && !cl.getSubcommands().isEmpty()
        && !u.getUnmatched().isEmpty() && !u.getUnmatched().get(0).startsWith("-")) {
      String word = u.getUnmatched().get(0);
      int at = Arrays.asList(args).indexOf(word);
      String next = at >= 0 && at + 1 < args.length ? args[at + 1] : "";
      String consul = word.equals("snapshot") && cl.getSubcommands().containsKey(next)
          ? " (Consul's 'snapshot " + next + "' is '" + cl.getCommandName() + " " + next + "' here)"
          : "";
      return "unknown command '" + word + "'" + consul + "; the commands are: "
          + String.join(", ", cl.getSubcommands().keySet());
    }
    return e.getMessage();
  }

  private static int failure(Exception e, CommandLine cl, CommandLine.ParseResult parsed) {
    PrintWriter err = cl.getErr();
    boolean verbose = parsed.hasMatchedOption("--verbose")
        || (parsed.subcommand() != null && hasVerbose(parsed));
    err.println(cl.getCommandSpec().qualifiedName() + ": "
        + describe(e, cl.getCommandSpec().findOption("--force") != null));
    int code = exitCodeOf(e);
    if (code == ExitCode.USAGE) {
      err.println("Try '" + cl.getCommandSpec().qualifiedName() + " --help'.");
    }
    if (verbose) {
      e.printStackTrace(err);
    }
    err.flush();
    return code;
  }

  private static boolean hasVerbose(CommandLine.ParseResult parsed) {
    for (CommandLine.ParseResult p = parsed; p != null; p = p.subcommand()) {
      if (p.hasMatchedOption("--verbose")) {
        return true;
      }
    }
    return false;
  }

  /** Reports this tool's version from the jar's manifest and the version of the Ratis it runs with. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = RatisSnapshotCli.class.getPackage().getImplementationVersion();
      return new String[] {"ratis-snapshot " + (v == null ? "(development build)" : v),
          "Apache Ratis " + RatisVersion.running()};
    }
  }
}
