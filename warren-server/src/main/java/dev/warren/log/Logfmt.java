package dev.warren.log;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.StackTraceElementProxy;
import ch.qos.logback.core.LayoutBase;
import java.time.Instant;
import org.slf4j.event.KeyValuePair;

/**
 * One log event, one line, in logfmt: {@code ts=… level=… logger=… msg="…" key=value …}. The
 * event's key-value pairs (SLF4J {@code addKeyValue}) become fields; a stack trace becomes an
 * {@code error} field with escaped newlines. Every line goes through {@link Redact}.
 */
public final class Logfmt extends LayoutBase<ILoggingEvent> {

  @Override
  public String doLayout(ILoggingEvent e) {
    StringBuilder b = new StringBuilder(160);
    b.append("ts=").append(Instant.ofEpochMilli(e.getTimeStamp()));
    b.append(" level=").append(e.getLevel());
    b.append(" logger=").append(shortName(e.getLoggerName()));
    b.append(" msg=");
    value(b, e.getFormattedMessage());
    if (e.getKeyValuePairs() != null) {
      for (KeyValuePair kv : e.getKeyValuePairs()) {
        b.append(' ').append(kv.key).append('=');
        value(b, String.valueOf(kv.value));
      }
    }
    IThrowableProxy t = e.getThrowableProxy();
    if (t != null) {
      b.append(" error=");
      value(b, stack(t));
    }
    return Redact.line(b.toString()) + "\n";
  }

  private static String shortName(String logger) {
    int dot = logger.lastIndexOf('.');
    return dot < 0 ? logger : logger.substring(dot + 1);
  }

  static void value(StringBuilder b, String v) {
    if (v == null) {
      b.append("null");
      return;
    }
    boolean plain = !v.isEmpty();
    for (int i = 0; i < v.length() && plain; i++) {
      char c = v.charAt(i);
      plain = c > ' ' && c != '"' && c != '=' && c != '\\' && c < 0x7f;
    }
    if (plain) {
      b.append(v);
      return;
    }
    b.append('"');
    for (int i = 0; i < v.length(); i++) {
      char c = v.charAt(i);
      switch (c) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        case '\n' -> b.append("\\n");
        case '\r' -> b.append("\\r");
        case '\t' -> b.append("\\t");
        default -> {
          if (c < ' ') {
            b.append(String.format("\\u%04x", (int) c));
          } else {
            b.append(c);
          }
        }
      }
    }
    b.append('"');
  }

  private static String stack(IThrowableProxy t) {
    StringBuilder s = new StringBuilder();
    for (IThrowableProxy p = t; p != null; p = p.getCause()) {
      if (p != t) {
        s.append("\ncaused by: ");
      }
      s.append(p.getClassName()).append(": ").append(p.getMessage());
      StackTraceElementProxy[] frames = p.getStackTraceElementProxyArray();
      for (int i = 0; i < Math.min(frames.length, 30); i++) {
        s.append("\n\tat ").append(frames[i].getStackTraceElement());
      }
    }
    return s.toString();
  }
}
