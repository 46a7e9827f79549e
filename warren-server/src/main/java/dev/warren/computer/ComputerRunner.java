package dev.warren.computer;

import dev.warren.computer.ComputerAction.Point;
import dev.warren.error.Problem;
import dev.warren.error.WarrenException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Runs a request's actions in order on a {@link Surface}: maps the caller's coordinates to the
 * surface's, checks every point lies on the screen before the first action runs, scales
 * screenshots. Remembers where each target's pointer was left (by its id), for a click without a
 * point and for {@code cursor_position}: neither RFB nor CDP tells where the pointer is. Thread-safe;
 * two requests on one target at once interleave their input as two users' would.
 */
public final class ComputerRunner {
  /** What one action gave back: a screenshot's PNG, or the pointer's position in the caller's space. */
  public record Result(String action, Optional<byte[]> png, Optional<Scale.Size> size, Optional<int[]> pointer) {
    static Result done(String action) {
      return new Result(action, Optional.empty(), Optional.empty(), Optional.empty());
    }
  }

  /** The results in order and the scale they were read in. */
  public record Outcome(Scale scale, List<Result> results) {}

  private final Map<String, int[]> pointers = new ConcurrentHashMap<>();

  public Outcome run(String target, Surface s, ActionParser.Request r) {
    Scale scale = new Scale(s.size(), r.screen().orElse(s.size()));
    for (ComputerAction a : r.actions()) {
      for (Point p : points(a)) {
        check(p, scale.view());
      }
    }
    // X starts its pointer at the screen's centre; a page has no pointer until the first move
    int[] at = pointers.getOrDefault(target, new int[] {scale.real().width() / 2, scale.real().height() / 2}).clone();
    List<Result> out = new ArrayList<>();
    try {
      for (ComputerAction a : r.actions()) {
        out.add(run(s, scale, a, at));
      }
    } finally {
      pointers.put(target, at);
    }
    return new Outcome(scale, out);
  }

  /** Forgets a target (its sandbox or session is gone). */
  public void forget(String target) {
    pointers.remove(target);
  }

  private static Result run(Surface s, Scale sc, ComputerAction a, int[] at) {
    switch (a) {
      case ComputerAction.Screenshot x -> {
        return new Result(a.name(), Optional.of(Png.encode(s.capture(), sc.view())), Optional.of(sc.view()), Optional.empty());
      }
      case ComputerAction.MouseMove m -> moveTo(s, sc, m.to(), at);
      case ComputerAction.Click c -> {
        c.to().ifPresent(p -> moveTo(s, sc, p, at));
        for (int i = 1; i <= c.count(); i++) {
          s.button(at[0], at[1], c.button(), true, i);
          s.button(at[0], at[1], c.button(), false, i);
        }
      }
      case ComputerAction.Drag d -> drag(s, sc, d, at);
      case ComputerAction.Scroll w -> {
        w.to().ifPresent(p -> moveTo(s, sc, p, at));
        s.wheel(at[0], at[1], w.dx(), w.dy());
      }
      case ComputerAction.Key k -> {
        for (List<Keys.Key> chord : k.chords()) {
          int mods = 0;
          for (Keys.Key key : chord) {
            mods |= key.modifier();
            s.key(key, true, mods);
          }
          for (int i = chord.size() - 1; i >= 0; i--) {
            s.key(chord.get(i), false, mods);
            mods &= ~chord.get(i).modifier();
          }
        }
      }
      case ComputerAction.Type t -> s.type(t.text());
      case ComputerAction.CursorPosition c -> {
        return new Result(a.name(), Optional.empty(), Optional.empty(), Optional.of(new int[] {sc.viewX(at[0]), sc.viewY(at[1])}));
      }
      case ComputerAction.Wait w -> sleep(w.duration().toMillis());
    }
    return Result.done(a.name());
  }

  private static void moveTo(Surface s, Scale sc, Point p, int[] at) {
    at[0] = sc.x(p.x());
    at[1] = sc.y(p.y());
    s.move(at[0], at[1]);
  }

  /** Press at the first point, glide through the rest in steps of ~10 px (apps watch the motion), release at the last. */
  private static void drag(Surface s, Scale sc, ComputerAction.Drag d, int[] at) {
    moveTo(s, sc, d.path().getFirst(), at);
    s.button(at[0], at[1], d.button(), true, 1);
    for (Point p : d.path().subList(1, d.path().size())) {
      int x0 = at[0];
      int y0 = at[1];
      int x1 = sc.x(p.x());
      int y1 = sc.y(p.y());
      int steps = (int) Math.clamp(Math.hypot(x1 - x0, y1 - y0) / 10, 1, 20);
      for (int i = 1; i <= steps; i++) {
        at[0] = x0 + (x1 - x0) * i / steps;
        at[1] = y0 + (y1 - y0) * i / steps;
        s.move(at[0], at[1]);
      }
    }
    s.button(at[0], at[1], d.button(), false, 1);
  }

  private static List<Point> points(ComputerAction a) {
    return switch (a) {
      case ComputerAction.MouseMove m -> List.of(m.to());
      case ComputerAction.Click c -> c.to().stream().toList();
      case ComputerAction.Scroll w -> w.to().stream().toList();
      case ComputerAction.Drag d -> d.path();
      default -> List.of();
    };
  }

  private static void check(Point p, Scale.Size view) {
    String prefix = p.field().isEmpty() ? "" : p.field() + ".";
    if (p.x() >= view.width()) {
      throw WarrenException.invalid(prefix + "x", prefix + "x must be below the screen's width " + view.width() + " (the screen is " + view
          + "), got " + p.x());
    }
    if (p.y() >= view.height()) {
      throw WarrenException.invalid(prefix + "y", prefix + "y must be below the screen's height " + view.height() + " (the screen is "
          + view + "), got " + p.y());
    }
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ComputerException(Problem.UNAVAILABLE, "interrupted while waiting " + ms + " ms");
    }
  }
}
