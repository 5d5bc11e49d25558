package io.github.ratissnapshot.archive.ratis;

import io.github.ratissnapshot.archive.ratis.server.ArchivableState;
import io.github.ratissnapshot.archive.ratis.server.ArchiveSupport;
import java.io.IOException;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.UnaryOperator;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.proto.RaftProtos.RaftConfigurationProto;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.SnapshotInfo;
import org.apache.ratis.statemachine.StateMachineStorage;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.statemachine.impl.BaseStateMachine;
import org.apache.ratis.util.LifeCycle;

/**
 * A {@link BaseStateMachine} with snapshot archives: extend it, implement {@link #writeState},
 * {@link #replaceState}, {@link #applyOperation} and {@link #queryState}, and the group gets native
 * snapshots in the archive's bytes, saves ({@code LocalSnapshots} in the server's process, {@code SaveClient}
 * from anywhere), online restore ({@code RestoreClient}) and offline restore ({@code OfflineSeeder}).
 *
 * <pre>{@code
 * class Counter extends ArchivingStateMachine {
 *   private final AtomicLong value = new AtomicLong();
 *   public void writeState(OutputStream out) throws IOException {
 *     new DataOutputStream(out).writeLong(value.get());
 *   }
 *   public void replaceState(InputStream in) throws IOException {
 *     value.set(new DataInputStream(in).readLong());
 *   }
 *   protected Message applyOperation(TermIndex at, Message op) {
 *     return Message.valueOf(Long.toString(value.incrementAndGet()));
 *   }
 *   protected Message queryState(Message query) {
 *     return Message.valueOf(Long.toString(value.get()));
 *   }
 * }
 * }</pre>
 *
 * <p>Entries are applied one at a time on Ratis's updater thread, so a snapshot always matches the last
 * applied index. An exception from {@link #applyOperation} fails that client request only. While an
 * online restore is open, application writes are refused with a {@code RestoreInProgressException}.
 *
 * <p>The parts come from {@link ArchiveSupport}; a state machine that cannot extend this class holds one and
 * forwards to it as its javadoc says.
 */
public abstract class ArchivingStateMachine extends BaseStateMachine
    implements ArchivableState, ArchiveSupport.Holder {
  private final ArchiveSupport archive;

  /** Creates the state machine with the default archive settings. */
  protected ArchivingStateMachine() {
    this.archive = ArchiveSupport.newBuilder(this).build();
  }

  /**
   * Creates the state machine with configured archive support.
   *
   * @param configure settings applied to the builder of this state machine's support
   */
  protected ArchivingStateMachine(UnaryOperator<ArchiveSupport.Builder> configure) {
    this.archive = configure.apply(ArchiveSupport.newBuilder(this)).build();
  }

  /**
   * Applies one application operation to the state.
   *
   * @param at the term and index of the entry
   * @param operation the client's message
   * @return the reply to the client
   * @throws IOException if the operation is invalid; the client's request fails, the group goes on
   */
  protected abstract Message applyOperation(TermIndex at, Message operation) throws IOException;

  /**
   * Answers a read-only query from the current state; called concurrently with updates.
   *
   * @param query the client's message
   * @return the reply
   * @throws IOException if the query is invalid
   */
  protected abstract Message queryState(Message query) throws IOException;

  @Override
  public final ArchiveSupport archiveSupport() {
    return archive;
  }

  @Override
  public void initialize(RaftServer server, RaftGroupId groupId, RaftStorage storage) throws IOException {
    super.initialize(server, groupId, storage);
    getLifeCycle().startAndTransition(() -> {
      TermIndex loaded = archive.initialize(server, groupId, storage);
      if (loaded != null) {
        setLastAppliedTermIndex(loaded);
      }
    });
  }

  @Override
  public void pause() {
    getLifeCycle().transition(LifeCycle.State.PAUSING);
    getLifeCycle().transition(LifeCycle.State.PAUSED);
  }

  @Override
  public void reinitialize() throws IOException {
    TermIndex loaded = archive.reinitialize();
    if (loaded != null) {
      setLastAppliedTermIndex(loaded);
    }
    if (getLifeCycleState() == LifeCycle.State.PAUSED) {
      getLifeCycle().transition(LifeCycle.State.STARTING);
      getLifeCycle().transition(LifeCycle.State.RUNNING);
    }
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
  public long takeSnapshot() throws IOException {
    return archive.takeSnapshot(getLastAppliedTermIndex());
  }

  @Override
  public TransactionContext startTransaction(RaftClientRequest request) throws IOException {
    TransactionContext trx = super.startTransaction(request);
    archive.refusesWrite(request.getMessage()).ifPresent(trx::setException);
    return trx;
  }

  @Override
  public final CompletableFuture<Message> applyTransaction(TransactionContext trx) {
    LogEntryProto entry = trx.getLogEntry();
    TermIndex at = TermIndex.valueOf(entry);
    Optional<CompletableFuture<Message>> handled = archive.apply(entry, getLastAppliedTermIndex());
    CompletableFuture<Message> reply;
    if (handled.isPresent()) {
      reply = handled.get();
    } else {
      try {
        reply = CompletableFuture.completedFuture(
            applyOperation(at, Message.valueOf(entry.getStateMachineLogEntry().getLogData())));
      } catch (IOException | RuntimeException e) {
        reply = CompletableFuture.failedFuture(e);
      }
    }
    updateLastAppliedTermIndex(at);
    return reply;
  }

  @Override
  public CompletableFuture<Message> query(Message request) {
    return archive.query(request).orElseGet(() -> {
      try {
        return CompletableFuture.completedFuture(queryState(request));
      } catch (IOException | RuntimeException e) {
        return CompletableFuture.failedFuture(e);
      }
    });
  }

  @Override
  public void notifyConfigurationChanged(long term, long index, RaftConfigurationProto conf) {
    archive.configurationChanged(term, index, conf);
  }

  @Override
  public void close() throws IOException {
    archive.close();
    super.close();
  }
}
