package dev.warren.bench;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A small page on loopback for the browsers section, served by this JVM. Sandboxed browsers reach
 * it only through Warren's egress proxy, with {@link #allow()} in their allow-list; host Chromiums
 * reach it directly. Sets no cookies. Each request is answered on a virtual thread.
 */
final class BrowserSite implements AutoCloseable {
  static final String TITLE = "Warren bench page";
  private static final byte[] PAGE = ("<!doctype html><html><head><title>" + TITLE + "</title></head><body>"
      + "<h1>Warren bench page</h1><p>" + "A small page for the browsers section. ".repeat(50) + "</p></body></html>")
      .getBytes(StandardCharsets.UTF_8);

  private final HttpServer server;
  private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
  private final AtomicInteger requests = new AtomicInteger();

  BrowserSite() {
    try {
      server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot serve the bench page on 127.0.0.1", e);
    }
    server.setExecutor(executor);
    server.createContext("/", ex -> {
      requests.incrementAndGet();
      boolean page = ex.getRequestURI().getPath().equals("/");
      byte[] body = page ? PAGE : new byte[0];
      ex.getResponseHeaders().add("Content-Type", "text/html; charset=utf-8");
      ex.getResponseHeaders().add("Cache-Control", "no-store");
      ex.sendResponseHeaders(page ? 200 : 404, body.length == 0 ? -1 : body.length);
      if (body.length > 0) {
        ex.getResponseBody().write(body);
      }
      ex.close();
    });
    server.start();
  }

  String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort() + "/";
  }

  /** The egress pattern that lets a sandbox reach this page. */
  String allow() {
    return "127.0.0.1:" + server.getAddress().getPort();
  }

  int requests() {
    return requests.get();
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}
