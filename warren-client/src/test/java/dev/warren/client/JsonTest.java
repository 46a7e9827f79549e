package dev.warren.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class JsonTest {

  @Test
  void nestedValuesSurviveARoundTrip() {
    var inner = new LinkedHashMap<String, Object>();
    inner.put("list", Arrays.asList(1L, "two", true, null, List.of(), Map.of()));
    inner.put("nothing", null);
    var value = new LinkedHashMap<String, Object>();
    value.put("name", "sbx");
    value.put("inner", inner);
    value.put("n", -42L);
    value.put("pi", new BigDecimal("3.14159"));

    String text = Json.write(value);

    assertThat(text).isEqualTo(
        "{\"name\":\"sbx\",\"inner\":{\"list\":[1,\"two\",true,null,[],{}],\"nothing\":null},\"n\":-42,\"pi\":3.14159}");
    assertThat(Json.parse(text)).isEqualTo(value);
  }

  @Test
  void objectsKeepTheirOrderAndAreUnmodifiable() {
    @SuppressWarnings("unchecked")
    var parsed = (Map<String, Object>) Json.parse("{\"b\":1,\"a\":2,\"c\":3}");
    assertThat(parsed.keySet()).containsExactly("b", "a", "c");
    assertThatThrownBy(() -> parsed.put("d", 4)).isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void writerEscapesQuotesBackslashesAndControlCharacters() {
    String nasty = "q\" b\\ n\n r\r t\t b\b f\f nul\u0000 us\u001f del\u007f ls\u2028 ps\u2029 /";
    String text = Json.write(nasty);
    assertThat(text).isEqualTo(
        "\"q\\\" b\\\\ n\\n r\\r t\\t b\\b f\\f nul\\u0000 us\\u001f del\u007f ls\\u2028 ps\\u2029 /\"");
    assertThat(text.chars()).noneMatch(c -> c < 0x20);
    assertThat(Json.parse(text)).isEqualTo(nasty);
  }

  @Test
  void surrogatePairsAreWrittenAsIsAndLoneSurrogatesEscaped() {
    String emoji = "smile \uD83D\uDE00 end";
    assertThat(Json.write(emoji)).isEqualTo("\"smile \uD83D\uDE00 end\"");
    assertThat(new String(Json.writeBytes(emoji), StandardCharsets.UTF_8)).isEqualTo("\"" + emoji + "\"");

    String lone = "hi\uD83D there \uDE00";
    assertThat(Json.write(lone)).isEqualTo("\"hi\\ud83d there \\ude00\"");
    assertThat(Json.parse(Json.write(lone))).isEqualTo(lone);
  }

  @Test
  void parserDecodesUnicodeEscapesIncludingPairs() {
    assertThat(Json.parse("\"\\u00e9\\u4E2D\\uD83D\\uDE00\\/\\\"\"")).isEqualTo("é中\uD83D\uDE00/\"");
    assertThat(Json.parse("\"plain é 中 \uD83D\uDE00\"".getBytes(StandardCharsets.UTF_8)))
        .isEqualTo("plain é 中 \uD83D\uDE00");
  }

  @Test
  void numbersAreLongWhenIntegralAndFitElseBigDecimal() {
    assertThat(Json.parse("0")).isEqualTo(0L);
    assertThat(Json.parse("-7")).isEqualTo(-7L);
    assertThat(Json.parse("9223372036854775807")).isEqualTo(Long.MAX_VALUE);
    assertThat(Json.parse("-9223372036854775808")).isEqualTo(Long.MIN_VALUE);
    assertThat(Json.parse("9223372036854775808")).isEqualTo(new BigDecimal("9223372036854775808"));
    assertThat(Json.parse("1.50")).isEqualTo(new BigDecimal("1.50"));
    assertThat(Json.parse("-2.5e-3")).isEqualTo(new BigDecimal("-0.0025"));
    assertThat(Json.parse("1E+2")).isEqualTo(new BigDecimal("1E+2"));
  }

  @Test
  void writerHandlesEveryNumberTypeAndRefusesNonFinite() {
    assertThat(Json.write(List.of(1, (short) 2, (byte) 3, 4L, 1.5, 2.5f, BigInteger.TEN.pow(20),
        new BigDecimal("1E+3")))).isEqualTo("[1,2,3,4,1.5,2.5,100000000000000000000,1E+3]");
    assertThat(Json.parse(Json.write(1e300))).isEqualTo(new BigDecimal("1.0E300"));
    assertThatThrownBy(() -> Json.write(Double.NaN)).hasMessageContaining("NaN");
    assertThatThrownBy(() -> Json.write(Float.POSITIVE_INFINITY)).hasMessageContaining("Infinity");
  }

  @Test
  void writerRefusesWhatJsonCannotHold() {
    assertThatThrownBy(() -> Json.write(new Object())).hasMessageContaining("java.lang.Object");
    assertThatThrownBy(() -> Json.write(Map.of(1, "x"))).hasMessageContaining("keys must be strings");
  }

  @Test
  void whitespaceAroundTokensIsAllowed() {
    assertThat(Json.parse(" \t\r\n{ \"a\" : [ 1 , 2 ] }\n")).isEqualTo(Map.of("a", List.of(1L, 2L)));
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
      "``                  | 0  | unexpected end of input",
      "`   `               | 3  | unexpected end of input",
      "{                   | 1  | expected a string key",
      "{\"a\" 1}           | 5  | expected ':'",
      "{\"a\":1,}          | 7  | expected a string key",
      "[1,]                | 3  | unexpected ']'",
      "[1 2]               | 3  | expected ',' or ']'",
      "{\"a\":1 \"b\":2}   | 7  | expected ',' or '}'",
      "{\"a\":1,\"a\":2}   | 7  | duplicate key \"a\"",
      "01                  | 1  | leading zero",
      "-                   | 1  | expected a digit",
      "1.                  | 2  | expected a digit after '.'",
      "1e                  | 2  | expected a digit in the exponent",
      ".5                  | 0  | unexpected '.'",
      "+1                  | 0  | unexpected '+'",
      "tru                 | 0  | expected true",
      "nul                 | 0  | expected null",
      "NaN                 | 0  | unexpected 'N'",
      "\"abc               | 4  | unterminated string",
      "\"a\\x\"            | 2  | invalid escape \\x",
      "\"\\u12G4\"         | 5  | invalid hex digit 'G'",
      "\"\\u12\"           | 3  | truncated \\u escape",
      "[1] 2               | 4  | after the value",
      "{} {}               | 3  | after the value",
      "'a'                 | 0  | unexpected '''",
  })
  void malformedInputIsRejectedWithItsOffset(String text, int offset, String reason) {
    assertThatThrownBy(() -> Json.parse(text))
        .isInstanceOfSatisfying(JsonException.class, e -> assertThat(e.offset()).isEqualTo(offset))
        .hasMessageContaining(reason)
        .hasMessageContaining("at offset " + offset);
  }

  @Test
  void rawControlCharactersInStringsAreRejected() {
    assertThatThrownBy(() -> Json.parse("\"a\nb\""))
        .isInstanceOfSatisfying(JsonException.class, e -> assertThat(e.offset()).isEqualTo(2))
        .hasMessageContaining("U+000A");
  }

  @Test
  void malformedUtf8IsRejected() {
    assertThatThrownBy(() -> Json.parse(new byte[] {'"', (byte) 0xC3, '"'}))
        .isInstanceOf(JsonException.class)
        .hasMessageContaining("UTF-8");
  }

  @Test
  void deepNestingIsBoundedInsteadOfOverflowingTheStack() {
    String deep = "[".repeat(100_000) + "]".repeat(100_000);
    assertThatThrownBy(() -> Json.parse(deep)).isInstanceOf(JsonException.class).hasMessageContaining("nesting");
    var ok = new ArrayList<Object>();
    Object nested = ok;
    for (int i = 0; i < 100; i++) nested = List.of(nested);
    assertThat(Json.parse(Json.write(nested))).isEqualTo(nested);
  }
}
