/**
 * The {@code ratis-snapshot} command (picocli): {@code save}, {@code inspect}, {@code verify},
 * {@code extract}, {@code restore}, {@code seed} and {@code status}. Every failure ends in one line on standard error and an
 * exit code from {@link io.github.ratissnapshot.archive.cli.ExitCode}.
 */
package io.github.ratissnapshot.archive.cli;
