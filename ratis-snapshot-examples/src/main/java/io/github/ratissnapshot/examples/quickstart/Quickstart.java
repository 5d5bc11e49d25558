package io.github.ratissnapshot.examples.quickstart;

import io.github.ratissnapshot.archive.format.AtomicFile;
import io.github.ratissnapshot.archive.format.Snapshot;
import io.github.ratissnapshot.archive.ratis.TornLogTail;
import io.github.ratissnapshot.archive.ratis.client.GroupConnection;
import io.github.ratissnapshot.archive.ratis.client.OfflineSeeder;
import io.github.ratissnapshot.archive.ratis.client.RestoreClient;
import io.github.ratissnapshot.archive.ratis.client.SaveClient;
import io.github.ratissnapshot.archive.ratis.client.TransferProgress;
import io.github.ratissnapshot.archive.ratis.server.LocalSnapshots;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.server.storage.RaftStorage;

/**
 * The README's library quickstart as a program: a group of three {@link Counter} servers on loopback, a save
 * from outside the servers and one inside a server's process, an online restore, and an offline restore
 * into a new group. {@code QuickstartIT} runs it; the README shows its parts.
 */
public final class Quickstart {
  private Quickstart() {}

  /** Runs the quickstart in a new temporary directory and prints what it did. */
  public static void main(String[] args) throws Exception {
    run(Files.createTempDirectory("quickstart-"), System.out);
  }

  /**
   * Runs the quickstart under {@code dir}.
   *
   * @param dir an empty directory for the servers' storage and the archive
   * @param out where each step says what it did, one line each
   * @throws Exception if a step fails
   */
  public static void run(Path dir, PrintStream out) throws Exception {
    List<RaftPeer> peers = new ArrayList<>();
    for (String id : List.of("n1", "n2", "n3")) {
      peers.add(RaftPeer.newBuilder().setId(id).setAddress("127.0.0.1:" + freePort()).build());
    }
    RaftGroup group = RaftGroup.valueOf(RaftGroupId.randomId(), peers);
    List<RaftServer> servers = new ArrayList<>();
    try {
      for (RaftPeer peer : peers) {
        servers.add(startServer(peer, group, dir.resolve(peer.getId().toString()), RaftStorage.StartupOption.FORMAT));
      }

      // [quickstart:save]
      GroupConnection connection = GroupConnection.newBuilder().group(group).build();  // how to reach the group
      try (RaftClient client = connection.newClient()) {
        for (int i = 0; i < 3; i++) {
          client.io().send(Message.valueOf("increment"));                         // the counter is now 3
        }
      }
      Path archive = dir.resolve("counter.snap");
      try (SaveClient save = SaveClient.newBuilder(connection).build();            // the leader's state
          AtomicFile file = AtomicFile.create(archive, false)) {                   // counter.snap.part until commit
        save.writeTo(file.stream());
        file.commit();                                                              // fsync, rename, fsync the directory
      }
      // [quickstart:save]
      out.println("saved " + archive.getFileName());

      // [quickstart:local-save]
      RaftServer.Division division = servers.get(0).getDivision(group.getGroupId());
      try (Snapshot s = LocalSnapshots.newBuilder(division).timeout(Duration.ofMinutes(10)).build().save(dir)) {
        out.println("saved in-process at index " + s.index());  // s.openStream(), s.meta(), s.summary()
      }                                                         // close() deletes the temporary file
      // [quickstart:local-save]

      try (RaftClient client = connection.newClient()) {
        client.io().send(Message.valueOf("increment"));                             // 4: a change to undo
      }
      // [quickstart:restore]
      try (RestoreClient restore = RestoreClient.newBuilder(connection).build()) {
        RestoreClient.Result r = restore.restore(archive, TransferProgress.NONE);   // every replica, or none
        out.println("restored at log index " + r.commitIndex());
      }
      // [quickstart:restore]
      out.println("counter after the restore: " + read(connection));
    } finally {
      close(servers);
    }

    // [quickstart:seed]
    RaftPeer single = RaftPeer.newBuilder().setId("m1").setAddress("127.0.0.1:" + freePort()).build();
    RaftGroup newGroup = RaftGroup.valueOf(RaftGroupId.randomId(), single);          // a new group id
    Path storage = dir.resolve("m1");
    OfflineSeeder.seed(dir.resolve("counter.snap"), storage, newGroup.getGroupId()); // once per peer's storage
    RaftServer seeded = startServer(single, newGroup, storage, RaftStorage.StartupOption.RECOVER);
    // [quickstart:seed]
    try {
      out.println("counter of the seeded group: " + read(GroupConnection.newBuilder().group(newGroup).build()));
    } finally {
      close(List.of(seeded));
    }
  }

  // [quickstart:server]
  static RaftServer startServer(RaftPeer peer, RaftGroup group, Path storage, RaftStorage.StartupOption option)
      throws IOException {
    TornLogTail.repair(storage);  // a server killed mid-append can leave a torn last entry Ratis refuses
    RaftProperties properties = new RaftProperties();
    RaftServerConfigKeys.setStorageDir(properties, List.of(storage.toFile()));
    GrpcConfigKeys.Server.setPort(properties, Integer.parseInt(peer.getAddress().split(":")[1]));
    RaftServer server = RaftServer.newBuilder().setServerId(peer.getId()).setGroup(group)
        .setProperties(properties).setStateMachine(new Counter()).setOption(option).build();
    server.start();
    return server;
  }
  // [quickstart:server]

  private static String read(GroupConnection connection) throws IOException {
    try (RaftClient client = connection.newClient()) {
      return client.io().sendReadOnly(Message.EMPTY).getMessage().getContent().toStringUtf8();
    }
  }

  private static void close(List<RaftServer> servers) throws IOException {
    for (RaftServer s : servers) {
      s.close();
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
