package io.github.ratissnapshot.examples.quickstart;

import io.github.ratissnapshot.archive.ratis.ArchivingStateMachine;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.server.protocol.TermIndex;

/** The README's quickstart state machine: a counter that every write increments. */
public class Counter extends ArchivingStateMachine {
  private final AtomicLong value = new AtomicLong();

  @Override public void writeState(OutputStream out) throws IOException {     // whole state out
    new DataOutputStream(out).writeLong(value.get());
  }

  @Override public void replaceState(InputStream in) throws IOException {     // whole state in, all or nothing
    value.set(new DataInputStream(in).readLong());
  }

  @Override protected Message applyOperation(TermIndex at, Message op) {      // a client write
    return Message.valueOf(Long.toString(value.incrementAndGet()));
  }

  @Override protected Message queryState(Message query) {                      // a client read
    return Message.valueOf(Long.toString(value.get()));
  }
}
