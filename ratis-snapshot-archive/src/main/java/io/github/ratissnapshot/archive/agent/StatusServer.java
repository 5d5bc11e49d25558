package io.github.ratissnapshot.archive.agent;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;

/**
 * The agent's HTTP endpoint: {@code GET /status} (JSON, HTTP 200 while healthy, 503 when not) and
 * {@code GET /metrics} (the Prometheus text format). Serves on one daemon thread; the caller closes it.
 */
public final class StatusServer implements AutoCloseable {
  private final HttpServer server;

  private StatusServer(HttpServer server) {
    this.server = server;
  }

  /**
   * Starts serving.
   *
   * @param address where to listen, such as {@code 127.0.0.1:9464}
   * @param monitor the agent's monitor, for {@code /status}
   * @param registry the registry the monitor records into, for {@code /metrics}
   * @return the running server
   * @throws IOException if the address cannot be bound (in use, say)
   */
  public static StatusServer start(InetSocketAddress address, AgentMonitor monitor, PrometheusMeterRegistry registry)
      throws IOException {
    HttpServer server = HttpServer.create(address, 16);
    ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    server.createContext("/status", exchange -> respond(exchange, monitor.healthy() ? 200 : 503,
        "application/json", json.writeValueAsString(monitor.status()) + "\n"));
    server.createContext("/metrics", exchange -> respond(exchange, 200, "text/plain; version=0.0.4; charset=utf-8",
        registry.scrape()));
    server.setExecutor(Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "agent-http");
      t.setDaemon(true);
      return t;
    }));
    server.start();
    return new StatusServer(server);
  }

  /** Returns the address served, with the port chosen when port 0 was asked for. */
  public InetSocketAddress address() {
    return server.getAddress();
  }

  private static void respond(HttpExchange exchange, int status, String type, String body) throws IOException {
    try (exchange) {
      if (!exchange.getRequestMethod().equals("GET")) {
        exchange.sendResponseHeaders(405, -1);
        return;
      }
      byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().set("Content-Type", type);
      exchange.sendResponseHeaders(status, bytes.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(bytes);
      }
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
