package io.github.ratissnapshot.archive.ratis;

import io.github.ratissnapshot.archive.ratis.server.ArchivableState;
import io.github.ratissnapshot.archive.ratis.server.ArchiveSupport;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.proto.RaftProtos.RaftConfigurationProto;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.SnapshotInfo;
import org.apache.ratis.statemachine.StateMachine;
import org.apache.ratis.statemachine.StateMachineStorage;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.util.LifeCycle;

/**
 * A state machine that does not extend {@code BaseStateMachine} (as an application with its own
 * superclass could not) and gets archives by holding an {@link ArchiveSupport} and forwarding to it as its
 * javadoc lists. The key-value logic is borrowed from {@link KvTestStateMachine} through composition.
 */
class ComposedKvStateMachine implements StateMachine, StateMachine.EventApi, ArchiveSupport.Holder {
  /** The application, used only for its state and operations. */
  private final KvTestStateMachine kv = new KvTestStateMachine();
  private final ArchiveSupport archive = ArchiveSupport.newBuilder(new ArchivableState() {
    @Override
    public void writeState(OutputStream out) throws IOException {
      kv.writeState(out);
    }

    @Override
    public void replaceState(InputStream in) throws IOException {
      kv.replaceState(in);
    }
  }).build();
  private final LifeCycle lifeCycle = new LifeCycle("composed-kv");
  private final AtomicReference<TermIndex> lastApplied = new AtomicReference<>(TermIndex.valueOf(0, -1));

  Map<String, String> entries() {
    return kv.entries();
  }

  @Override
  public ArchiveSupport archiveSupport() {
    return archive;
  }

  @Override
  public void initialize(RaftServer server, RaftGroupId groupId, RaftStorage storage) throws IOException {
    lifeCycle.startAndTransition(() -> {
      TermIndex loaded = archive.initialize(server, groupId, storage);
      if (loaded != null) {
        lastApplied.set(loaded);
      }
    });
  }

  @Override
  public LifeCycle.State getLifeCycleState() {
    return lifeCycle.getCurrentState();
  }

  @Override
  public void pause() {
    lifeCycle.transition(LifeCycle.State.PAUSING);
    lifeCycle.transition(LifeCycle.State.PAUSED);
  }

  @Override
  public void reinitialize() throws IOException {
    TermIndex loaded = archive.reinitialize();
    if (loaded != null) {
      lastApplied.set(loaded);
    }
    lifeCycle.transition(LifeCycle.State.STARTING);
    lifeCycle.transition(LifeCycle.State.RUNNING);
  }

  @Override
  public long takeSnapshot() throws IOException {
    return archive.takeSnapshot(lastApplied.get());
  }

  @Override
  public StateMachineStorage getStateMachineStorage() {
    return archive.storage();
  }

  @Override
  public SnapshotInfo getLatestSnapshot() {
    return archive.latestSnapshot();
  }

  @Override
  public CompletableFuture<Message> query(Message request) {
    return archive.query(request).orElseGet(() -> {
      try {
        return CompletableFuture.completedFuture(kv.queryState(request));
      } catch (IOException e) {
        return CompletableFuture.failedFuture(e);
      }
    });
  }

  @Override
  public CompletableFuture<Message> queryStale(Message request, long minIndex) {
    return query(request);
  }

  @Override
  public TransactionContext startTransaction(RaftClientRequest request) {
    return TransactionContext.newBuilder().setStateMachine(this).setClientRequest(request).build();
  }

  @Override
  public TransactionContext preAppendTransaction(TransactionContext trx) {
    return trx;
  }

  @Override
  public TransactionContext cancelTransaction(TransactionContext trx) {
    return trx;
  }

  @Override
  public TransactionContext applyTransactionSerial(TransactionContext trx) {
    return trx;
  }

  @Override
  public CompletableFuture<Message> applyTransaction(TransactionContext trx) {
    LogEntryProto entry = trx.getLogEntry();
    Optional<CompletableFuture<Message>> handled = archive.apply(entry, lastApplied.get());
    CompletableFuture<Message> reply;
    if (handled.isPresent()) {
      reply = handled.get();
    } else {
      try {
        reply = CompletableFuture.completedFuture(kv.applyOperation(TermIndex.valueOf(entry),
            Message.valueOf(entry.getStateMachineLogEntry().getLogData())));
      } catch (IOException e) {
        reply = CompletableFuture.failedFuture(e);
      }
    }
    lastApplied.set(TermIndex.valueOf(entry));
    return reply;
  }

  @Override
  public TermIndex getLastAppliedTermIndex() {
    return lastApplied.get();
  }

  @Override
  public void notifyTermIndexUpdated(long term, long index) {
    lastApplied.set(TermIndex.valueOf(term, index));
  }

  @Override
  public void notifyConfigurationChanged(long term, long index, RaftConfigurationProto conf) {
    archive.configurationChanged(term, index, conf);
  }

  @Override
  public void close() {
    archive.close();
  }
}
