package dev.warren.runtime;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/**
 * The frames the controller sends to the in-sandbox half of Warren (the agent, a session's shell),
 * protocol {@code warren-guest 1}; see docs/architecture.md, "the seam". A stream starts with a
 * hello frame, the header line {@code warren-guest <version>}, and the controller says hello again
 * whenever it (re)attaches. Every other frame is a header line whose last word is the length of
 * the payload that follows, exactly that many bytes. The in-sandbox side refuses a version it does
 * not speak, saying why, and announces the version it speaks in its {@code ready} file. Frames up
 * to 4 KiB are written with one write, so concurrent writers never interleave. Stateless.
 */
public final class GuestProtocol {
  public static final String NAME = "warren-guest";
  public static final int VERSION = 1;

  private GuestProtocol() {}

  /** The hello frame of this version. */
  public static byte[] hello() {
    return (NAME + " " + VERSION + "\n").getBytes(StandardCharsets.UTF_8);
  }

  /** Each of {@code items} in UTF-8 followed by a NUL: how argv and environments travel (no item holds a NUL). */
  public static byte[] nulSeparated(List<String> items) {
    java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream();
    for (String s : items) {
      b.writeBytes(s.getBytes(StandardCharsets.UTF_8));
      b.write(0);
    }
    return b.toByteArray();
  }

  /** A frame: {@code head} (words without newlines), the payload's length, a newline, the payload. */
  public static byte[] frame(String head, byte[] payload) {
    if (head.indexOf('\n') >= 0) {
      throw new IllegalArgumentException("a frame header is one line: " + head);
    }
    byte[] h = (head + " " + payload.length + "\n").getBytes(StandardCharsets.UTF_8);
    byte[] all = Arrays.copyOf(h, h.length + payload.length);
    System.arraycopy(payload, 0, all, h.length, payload.length);
    return all;
  }

  /** Whether a ready line ({@code <pid> ... warren-guest <version>}) announces this version. */
  public static boolean announces(String ready) {
    List<String> words = List.of(ready.strip().split("\\s+"));
    int at = words.indexOf(NAME);
    return at >= 0 && at + 1 < words.size() && words.get(at + 1).equals(Integer.toString(VERSION));
  }
}
