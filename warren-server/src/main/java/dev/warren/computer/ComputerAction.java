package dev.warren.computer;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One step of a computer-use tool, as agents' tools emit them (Anthropic's computer tool, OpenAI's
 * computer-use actions). Coordinates are in the caller's screen space ({@link Scale}); each action
 * knows its index in the request, so a refusal can name {@code actions[2].x}.
 */
public sealed interface ComputerAction {
  /** Where the action sits in the request, e.g. {@code actions[2]} (empty prefix for a single action). */
  String at();

  /** The wire name. */
  String name();

  /** A point in the caller's screen space; {@code field} names it for errors ({@code actions[1]} or {@code actions[1].path[3]}). */
  record Point(int x, int y, String field) {}

  /** A mouse button. */
  enum Button {
    LEFT, MIDDLE, RIGHT;

    public String wire() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  record Screenshot(String at) implements ComputerAction {
    public String name() {
      return "screenshot";
    }
  }

  record MouseMove(String at, Point to) implements ComputerAction {
    public String name() {
      return "mouse_move";
    }
  }

  /** A click of {@code count} (1-3) at {@code to}, or where the pointer is when empty. */
  record Click(String at, Optional<Point> to, Button button, int count) implements ComputerAction {
    public String name() {
      return "click";
    }
  }

  /** Press at the first point, move through the others, release at the last. */
  record Drag(String at, List<Point> path, Button button) implements ComputerAction {
    public Drag {
      path = List.copyOf(path);
    }

    public String name() {
      return "drag";
    }
  }

  /** Wheel clicks at {@code to} (or where the pointer is): dy &gt; 0 scrolls down, dx &gt; 0 right. */
  record Scroll(String at, Optional<Point> to, int dx, int dy) implements ComputerAction {
    public String name() {
      return "scroll";
    }
  }

  /** Chords pressed one after another; each chord's keys go down in order and come up in reverse. */
  record Key(String at, List<List<Keys.Key>> chords) implements ComputerAction {
    public Key {
      chords = chords.stream().map(List::copyOf).toList();
    }

    public String name() {
      return "key";
    }
  }

  record Type(String at, String text) implements ComputerAction {
    public Type {
      Objects.requireNonNull(text, "text");
    }

    public String name() {
      return "type";
    }
  }

  record CursorPosition(String at) implements ComputerAction {
    public String name() {
      return "cursor_position";
    }
  }

  record Wait(String at, Duration duration) implements ComputerAction {
    public String name() {
      return "wait";
    }
  }
}
