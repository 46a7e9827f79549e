package dev.warren.api;

/**
 * UTF-8 as the exec answer needs it, without decoding into a String: whether bytes are valid
 * UTF-8, what they cost as a JSON string (the escapes Jackson writes: {@code \n \r \t \b \f \" \\}
 * two bytes, other control characters six, everything else as is) and the longest prefix within
 * a budget that ends on a character boundary.
 */
final class Utf8 {
  private Utf8() {}

  /** What byte {@code b} costs inside a JSON string. */
  static int cost(byte b) {
    int c = b & 0xff;
    if (c == '"' || c == '\\' || c == '\n' || c == '\r' || c == '\t' || c == '\b' || c == '\f') {
      return 2;
    }
    return c < 0x20 ? 6 : 1;
  }

  static long escapedSize(byte[] b, int length) {
    long n = 0;
    for (int i = 0; i < length; i++) {
      n += cost(b[i]);
    }
    return n;
  }

  /**
   * Whether {@code b} is valid UTF-8 (a sequence cut short at the very end counts as valid: the
   * stream was cut there) whose escaped form is no larger than its base64.
   */
  static boolean textCheaperThanBase64(byte[] b) {
    int valid = validLength(b);
    return valid >= 0 && escapedSize(b, valid) <= ExecAnswer.base64Size(b.length);
  }

  /**
   * The length of {@code b} without a trailing sequence cut short, when everything before it is
   * valid UTF-8; -1 when it is not UTF-8 (a bad lead or continuation byte, an overlong form, a
   * surrogate, a code point past U+10FFFF).
   */
  static int validLength(byte[] b) {
    int i = 0;
    while (i < b.length) {
      int c = b[i] & 0xff;
      int need;
      int min;
      if (c < 0x80) {
        i++;
        continue;
      } else if (c >= 0xc2 && c <= 0xdf) {
        need = 1;
        min = 0x80;
      } else if (c >= 0xe0 && c <= 0xef) {
        need = 2;
        min = 0x800;
      } else if (c >= 0xf0 && c <= 0xf4) {
        need = 3;
        min = 0x10000;
      } else {
        return -1;
      }
      if (i + need >= b.length) {
        // fewer bytes left than the sequence needs: valid if what is there are continuation bytes
        for (int j = i + 1; j < b.length; j++) {
          if ((b[j] & 0xc0) != 0x80) {
            return -1;
          }
        }
        return i;
      }
      int cp = c & (0x3f >> need);
      for (int j = 1; j <= need; j++) {
        int cont = b[i + j] & 0xff;
        if ((cont & 0xc0) != 0x80) {
          return -1;
        }
        cp = cp << 6 | cont & 0x3f;
      }
      if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
        return -1;
      }
      i += need + 1;
    }
    return b.length;
  }

  /**
   * The longest prefix of {@code b} (valid UTF-8) whose escaped form takes at most {@code allowance}
   * bytes and which ends on a character boundary (never inside a sequence, nor in a trailing
   * sequence cut short).
   */
  static int prefixWithin(byte[] b, long allowance) {
    int end = Math.max(0, validLength(b));
    long used = 0;
    int i = 0;
    while (i < end) {
      used += cost(b[i]);
      if (used > allowance) {
        break;
      }
      i++;
    }
    while (i > 0 && i < b.length && (b[i] & 0xc0) == 0x80) {
      i--;
    }
    return i;
  }
}
