package dev.warren.computer;

import dev.warren.error.WarrenException;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.JsonNode;

/**
 * xdotool's key syntax: chords separated by spaces, the keys of a chord joined by {@code +}
 * ({@code ctrl+shift+t Return}); or an array of chords (each item may be a chord); a lone
 * {@code +} and a trailing {@code ++} mean the plus key. Stateless.
 */
final class KeyChords {
  static final int MAX_CHORDS = 50;

  private KeyChords() {}

  static List<List<Keys.Key>> parse(Fields f, String field) {
    JsonNode v = f.get(field);
    if (v == null) {
      throw f.missing(field, "xdotool-style key names, e.g. \"Return\" or \"ctrl+shift+t\"");
    }
    List<String> chords = new ArrayList<>();
    List<String> names = new ArrayList<>();
    if (v.isString()) {
      for (String c : v.asString().strip().split("\\s+")) {
        chords.add(c);
        names.add(f.name(field));
      }
    } else if (v.isArray()) {
      for (int i = 0; i < v.size(); i++) {
        if (!v.get(i).isString()) {
          throw WarrenException.invalid(f.name(field) + "[" + i + "]", f.name(field) + "[" + i + "] must be a string");
        }
        chords.add(v.get(i).asString().strip());
        names.add(f.name(field) + "[" + i + "]");
      }
    } else {
      throw WarrenException.invalid(f.name(field), f.name(field) + " must be a string or an array of strings");
    }
    if (chords.isEmpty() || chords.size() > MAX_CHORDS || chords.stream().anyMatch(String::isEmpty)) {
      throw WarrenException.invalid(f.name(field), f.name(field) + " must name 1-" + MAX_CHORDS + " keys or chords");
    }
    List<List<Keys.Key>> out = new ArrayList<>();
    for (int i = 0; i < chords.size(); i++) {
      out.add(chord(chords.get(i), names.get(i)));
    }
    return out;
  }

  private static List<Keys.Key> chord(String chord, String field) {
    List<String> parts = new ArrayList<>();
    if (chord.equals("+")) {
      parts.add("+");
    } else {
      boolean plusLast = chord.endsWith("++");
      String body = plusLast ? chord.substring(0, chord.length() - 2) : chord;
      for (String p : body.split("\\+", -1)) {
        parts.add(p);
      }
      if (plusLast) {
        parts.add("+");
      }
    }
    List<Keys.Key> keys = new ArrayList<>();
    for (String p : parts) {
      if (p.isEmpty()) {
        throw WarrenException.invalid(field, "'" + chord + "' has an empty key name; chords look like ctrl+shift+t");
      }
      keys.add(Keys.named(p).orElseThrow(() -> WarrenException.invalid(field, "unknown key '" + p + "' in '" + chord + "'; keys are "
          + Keys.examples())));
    }
    return keys;
  }
}
