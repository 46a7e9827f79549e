package dev.warren.client;

import java.util.Optional;

/**
 * Signals {@link Command#signal(Signal)} can send. Every process the command started gets it.
 * {@link #INT} (like Ctrl-C), {@link #TERM} and {@link #KILL} also interrupt the session's shell,
 * so the rest of the command's script is abandoned and the session goes on with the next command.
 */
public enum Signal {
  HUP,
  INT,
  QUIT,
  KILL,
  USR1,
  USR2,
  TERM,
  CONT,
  STOP;

  /** The name on the wire: {@code INT}, not {@code SIGINT}. */
  public String wireName() {
    return name();
  }

  /** The signal of a wire name; empty for none or one this SDK does not know. */
  static Optional<Signal> fromWire(String name) {
    for (Signal signal : values()) {
      if (signal.wireName().equals(name)) return Optional.of(signal);
    }
    return Optional.empty();
  }
}
