package io.github.ratissnapshot.examples.kv;

import io.github.ratissnapshot.archive.ratis.ArchivingStateMachine;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.server.protocol.TermIndex;

/**
 * The replicated key-value store: {@link KvStore} behind Ratis, with snapshot archives from
 * {@link ArchivingStateMachine}. This is the whole integration an application needs: two methods for the
 * state, two for operations.
 */
public class KvStateMachine extends ArchivingStateMachine {
  private final KvStore store = new KvStore();

  /** Returns the store, for in-process checks. */
  public KvStore store() {
    return store;
  }

  @Override
  public void writeState(OutputStream out) throws IOException {
    store.writeTo(out);
  }

  @Override
  public void replaceState(InputStream in) throws IOException {
    store.readFrom(in);
  }

  @Override
  protected Message applyOperation(TermIndex at, Message operation) throws IOException {
    return KvOps.apply(store, operation.getContent());
  }

  @Override
  protected Message queryState(Message query) throws IOException {
    return KvOps.query(store, query.getContent());
  }
}
