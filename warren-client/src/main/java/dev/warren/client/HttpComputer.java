package dev.warren.client;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/** {@link Computer} over HTTP: every method posts to one actions path. Immutable; thread-safe. */
final class HttpComputer implements Computer {
  /** A request's HTTP timeout: ten-second waits and screenshots of large screens included. */
  static final Duration TIMEOUT = Duration.ofMinutes(2);

  private final HttpTransport transport;
  private final String path;
  private final Runnable ensureOpen;
  private final Optional<Point> screen;

  HttpComputer(HttpTransport transport, String path, Runnable ensureOpen, Optional<Point> screen) {
    this.transport = transport;
    this.path = path;
    this.ensureOpen = ensureOpen;
    this.screen = screen;
  }

  @Override
  public Computer scaledTo(int width, int height) {
    if (width < 16 || height < 16) throw new IllegalArgumentException("a screen is at least 16x16, got " + width + "x" + height);
    return new HttpComputer(transport, path, ensureOpen, Optional.of(new Point(width, height)));
  }

  @Override
  public Optional<Point> screen() {
    return screen;
  }

  @Override
  public Screenshot screenshot() {
    Map<String, Object> r = one(Map.of("action", "screenshot"));
    var f = JsonFields.of(r, "screenshot");
    return new Screenshot(Base64.getDecoder().decode(f.string("data")), f.intValue("width"), f.intValue("height"));
  }

  @Override
  public void mouseMove(int x, int y) {
    one(Json.members("action", "mouse_move", "x", x, "y", y));
  }

  @Override
  public void click(int x, int y, Button button, int count) {
    Objects.requireNonNull(button, "button");
    if (count < 1 || count > 3) throw new IllegalArgumentException("count must be 1-3, got " + count);
    one(Json.members("action", "click", "x", x, "y", y, "button", button.name().toLowerCase(java.util.Locale.ROOT), "count", count));
  }

  @Override
  public void drag(List<Point> path) {
    if (path.size() < 2) throw new IllegalArgumentException("a drag needs at least 2 points, got " + path.size());
    List<Object> points = new ArrayList<>();
    for (Point p : path) points.add(Json.members("x", p.x(), "y", p.y()));
    one(Json.members("action", "drag", "path", points));
  }

  @Override
  public void scroll(int x, int y, int dx, int dy) {
    one(Json.members("action", "scroll", "x", x, "y", y, "dx", dx, "dy", dy));
  }

  @Override
  public void key(String keys) {
    Objects.requireNonNull(keys, "keys");
    one(Json.members("action", "key", "keys", keys));
  }

  @Override
  public void type(String text) {
    Objects.requireNonNull(text, "text");
    one(Json.members("action", "type", "text", text));
  }

  @Override
  public Point cursorPosition() {
    var f = JsonFields.of(one(Map.of("action", "cursor_position")), "cursor position");
    return new Point(f.intValue("x"), f.intValue("y"));
  }

  @Override
  public void pause(Duration duration) {
    one(Json.members("action", "wait", "ms", duration.toMillis()));
  }

  @Override
  public Results perform(List<Map<String, Object>> actions) {
    if (actions.isEmpty()) throw new IllegalArgumentException("actions must not be empty");
    Map<String, Object> body = new LinkedHashMap<>();
    screen.ifPresent(s -> body.put("screen", Json.members("width", s.x(), "height", s.y())));
    body.put("actions", actions);
    ensureOpen.run();
    // input is not idempotent: retried only when the request never left
    return transport.sendJson(Call.post(path, Call.Retry.BEFORE_SEND).json(body).timeout(TIMEOUT), HttpComputer::results);
  }

  private Map<String, Object> one(Map<String, Object> action) {
    return perform(List.of(action)).results().getFirst();
  }

  @SuppressWarnings("unchecked")
  private static Results results(Object json) {
    var f = JsonFields.of(json, "answer");
    List<Map<String, Object>> out = new ArrayList<>();
    for (Object o : f.list("results")) out.add((Map<String, Object>) o);
    return new Results(out, size(f, "screen"), size(f, "display"));
  }

  private static Point size(JsonFields f, String name) {
    return f.optObject(name).map(s -> new Point(s.intValue("width"), s.intValue("height"))).orElse(new Point(0, 0));
  }
}
