package dev.warren.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class SseParserTest {

  @Test
  void dataLinesOfOneEventAreJoinedWithNewlines() throws IOException {
    var events = parse("data: first\ndata:second\ndata\ndata:  two spaces\n\n");

    assertThat(events).containsExactly(new SseParser.Event("message", "first\nsecond\n\n two spaces", Optional.empty()));
  }

  @Test
  void eventTypeAndIdAreReadAndTheIdCarriesOverToLaterEvents() throws IOException {
    var events = parse("event: output\nid: 1024\ndata: AAEC\n\nevent: exit\ndata: {}\n\ndata: plain\nid\n\n");

    assertThat(events).containsExactly(
        new SseParser.Event("output", "AAEC", Optional.of("1024")),
        new SseParser.Event("exit", "{}", Optional.of("1024")),
        new SseParser.Event("message", "plain", Optional.of("")));
  }

  @Test
  void commentsAndUnknownFieldsAreSkippedAnywhere() throws IOException {
    var events = parse(": following stdout from byte 0\n\nevent: output\n: still running\nretry: 10\nfoo: bar\n"
        + "data: x\n\n: heartbeat\n\n");

    assertThat(events).containsExactly(new SseParser.Event("output", "x", Optional.empty()));
  }

  @Test
  void anEventWithoutDataIsNotDispatchedButItsIdIsKept() throws IOException {
    var events = parse("event: output\nid: 7\n\ndata: after\n\n");

    assertThat(events).containsExactly(new SseParser.Event("message", "after", Optional.of("7")));
  }

  @Test
  void anIdContainingNulIsIgnored() throws IOException {
    var events = parse("id: 5\ndata: a\n\nid: 6\u0000x\ndata: b\n\n");

    assertThat(events).extracting(SseParser.Event::lastEventId).containsExactly(Optional.of("5"), Optional.of("5"));
  }

  @Test
  void crLfAndLoneCrEndLinesEvenWhenSplitAcrossReads() throws IOException {
    String text = "event: a\r\ndata: 1\r\n\r\nevent: b\rdata: 2\r\rdata: 3\n\n";
    assertThat(parse(text)).extracting(SseParser.Event::data).containsExactly("1", "2", "3");
    assertThat(parse(new OneByteAtATime(text.getBytes(StandardCharsets.UTF_8))))
        .extracting(SseParser.Event::type).containsExactly("a", "b", "message");
  }

  @Test
  void utf8SplitAcrossReadsAndALeadingByteOrderMarkAreHandled() throws IOException {
    byte[] bytes = "\uFEFFdata: ünïcødé ✓ 🦊\n\n".getBytes(StandardCharsets.UTF_8);

    assertThat(parse(new OneByteAtATime(bytes))).extracting(SseParser.Event::data).containsExactly("ünïcødé ✓ 🦊");
  }

  @Test
  void anEventCutOffByTheEndOfTheStreamIsDropped() throws IOException {
    assertThat(parse("data: whole\n\nevent: output\nid: 9\ndata: AAAA")).extracting(SseParser.Event::data)
        .containsExactly("whole");
    assertThat(parse("data: no blank line\n")).isEmpty();
  }

  @Test
  void longLinesSurviveBufferBoundaries() throws IOException {
    String big = "x".repeat(200_000);

    assertThat(parse("data: " + big + "\n\n")).extracting(SseParser.Event::data).containsExactly(big);
  }

  private static List<SseParser.Event> parse(String text) throws IOException {
    return parse(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)));
  }

  private static List<SseParser.Event> parse(InputStream in) throws IOException {
    var parser = new SseParser(in);
    var events = new ArrayList<SseParser.Event>();
    for (var e = parser.next(); e.isPresent(); e = parser.next()) events.add(e.get());
    return events;
  }

  /** Hands out one byte per read, the worst a network can do. */
  private static final class OneByteAtATime extends InputStream {
    private final byte[] bytes;
    private int pos;

    OneByteAtATime(byte[] bytes) {
      this.bytes = bytes;
    }

    @Override
    public int read() {
      return pos < bytes.length ? bytes[pos++] & 0xff : -1;
    }

    @Override
    public int read(byte[] b, int off, int len) {
      if (pos >= bytes.length) return -1;
      b[off] = bytes[pos++];
      return 1;
    }
  }
}
