package io.github.ratissnapshot.examples;

import io.github.ratissnapshot.examples.cluster.ExampleCluster;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;

/**
 * Ports for child processes, taken below the kernel's ephemeral range ({@link ExampleCluster#freePort}) and
 * checked by binding them: free when returned, which is as much as any test can know.
 */
final class FreePorts {
  private static final int ATTEMPTS = 100;

  private FreePorts() {}

  /** Returns {@code n} distinct free ports. */
  static int[] any(int n) {
    List<ServerSocket> held = new ArrayList<>();
    try {
      int[] ports = new int[n];
      for (int i = 0; i < n; i++) {
        ServerSocket s = new ServerSocket(ExampleCluster.freePort());
        held.add(s);
        ports[i] = s.getLocalPort();
      }
      return ports;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      closeAll(held);
    }
  }

  /** Returns the first of {@code n} consecutive free ports, as {@code cluster start --base-port} needs. */
  static int consecutive(int n) {
    for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
      List<ServerSocket> held = new ArrayList<>();
      try {
        ServerSocket first = new ServerSocket(ExampleCluster.freePort());
        held.add(first);
        int base = first.getLocalPort();
        if (base + n - 1 > 65535) {
          continue;
        }
        for (int i = 1; i < n; i++) {
          held.add(new ServerSocket(base + i));
        }
        return base;
      } catch (IOException taken) {
        // one of the following ports is in use: try another base
      } finally {
        closeAll(held);
      }
    }
    throw new IllegalStateException("found no " + n + " consecutive free ports in " + ATTEMPTS + " attempts");
  }

  private static void closeAll(List<ServerSocket> sockets) {
    for (ServerSocket s : sockets) {
      try {
        s.close();
      } catch (IOException ignored) {
        // closing a listening socket that never accepted
      }
    }
  }
}
