package dev.warren.client;

/** Malformed JSON text; {@link #offset()} is the character offset where parsing stopped. */
final class JsonException extends IllegalArgumentException {

  private final int offset;

  JsonException(String reason, int offset) {
    super(reason + " at offset " + offset);
    this.offset = offset;
  }

  int offset() {
    return offset;
  }
}
