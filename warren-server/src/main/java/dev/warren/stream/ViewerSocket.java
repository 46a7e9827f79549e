package dev.warren.stream;

/**
 * One viewer's WebSocket as the live-view services see it; the API implements it over its web
 * server. {@code send} must not block for long (the web server queues), and {@code close} is
 * idempotent. Implementations are thread-safe.
 */
public interface ViewerSocket {
  void send(String text);

  void close(CloseCode code, String reason);

  boolean isOpen();
}
