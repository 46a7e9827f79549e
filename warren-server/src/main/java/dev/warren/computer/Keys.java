package dev.warren.computer;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Key names as xdotool takes them ({@code Return}, {@code ctrl}, {@code Page_Down}, {@code F5}, a
 * single character), with the spellings other tools use as aliases ({@code Enter}, {@code ESC},
 * {@code ArrowLeft}, {@code CMD}); names of more than one character match without regard to case.
 * Each key knows its X keysym (for RFB) and its DOM key, code and virtual key code (for CDP).
 * Immutable; thread-safe.
 */
public final class Keys {
  /** CDP modifier bits. */
  static final int ALT = 1;
  static final int CTRL = 2;
  static final int META = 4;
  static final int SHIFT = 8;

  /**
   * @param keysym the X keysym
   * @param key the DOM {@code KeyboardEvent.key}
   * @param code the DOM {@code KeyboardEvent.code}, empty when unknown
   * @param vk the Windows virtual key code CDP wants, 0 when none
   * @param text what the key types, empty for keys that type nothing
   * @param modifier the CDP modifier bit this key holds, 0 for none
   */
  public record Key(int keysym, String key, String code, int vk, String text, int modifier) {}

  private static final Map<String, Key> NAMED = new HashMap<>();

  private static void named(Key k, String... names) {
    for (String n : names) {
      NAMED.put(n.toLowerCase(Locale.ROOT), k);
    }
  }

  static {
    named(new Key(0xff0d, "Enter", "Enter", 13, "\r", 0), "Return", "Enter", "KP_Enter");
    named(new Key(0xff1b, "Escape", "Escape", 27, "", 0), "Escape", "Esc");
    named(new Key(0xff09, "Tab", "Tab", 9, "", 0), "Tab");
    named(new Key(0xff08, "Backspace", "Backspace", 8, "", 0), "BackSpace");
    named(new Key(0xffff, "Delete", "Delete", 46, "", 0), "Delete", "Del");
    named(new Key(0xff63, "Insert", "Insert", 45, "", 0), "Insert", "Ins");
    named(new Key(0xff50, "Home", "Home", 36, "", 0), "Home");
    named(new Key(0xff57, "End", "End", 35, "", 0), "End");
    named(new Key(0xff55, "PageUp", "PageUp", 33, "", 0), "Page_Up", "Prior", "PageUp", "PgUp");
    named(new Key(0xff56, "PageDown", "PageDown", 34, "", 0), "Page_Down", "Next", "PageDown", "PgDn");
    named(new Key(0xff51, "ArrowLeft", "ArrowLeft", 37, "", 0), "Left", "ArrowLeft");
    named(new Key(0xff52, "ArrowUp", "ArrowUp", 38, "", 0), "Up", "ArrowUp");
    named(new Key(0xff53, "ArrowRight", "ArrowRight", 39, "", 0), "Right", "ArrowRight");
    named(new Key(0xff54, "ArrowDown", "ArrowDown", 40, "", 0), "Down", "ArrowDown");
    named(new Key(0x20, " ", "Space", 32, " ", 0), "space");
    named(new Key(0xffe1, "Shift", "ShiftLeft", 16, "", SHIFT), "shift", "Shift_L");
    named(new Key(0xffe2, "Shift", "ShiftRight", 16, "", SHIFT), "Shift_R");
    named(new Key(0xffe3, "Control", "ControlLeft", 17, "", CTRL), "ctrl", "control", "Control_L");
    named(new Key(0xffe4, "Control", "ControlRight", 17, "", CTRL), "Control_R");
    named(new Key(0xffe9, "Alt", "AltLeft", 18, "", ALT), "alt", "Alt_L", "option");
    named(new Key(0xffea, "Alt", "AltRight", 18, "", ALT), "Alt_R");
    named(new Key(0xffeb, "Meta", "MetaLeft", 91, "", META), "super", "Super_L", "meta", "Meta_L", "cmd", "command", "win");
    named(new Key(0xffec, "Meta", "MetaRight", 92, "", META), "Super_R", "Meta_R");
    named(new Key(0xffe5, "CapsLock", "CapsLock", 20, "", 0), "Caps_Lock", "CapsLock");
    named(new Key(0xff67, "ContextMenu", "ContextMenu", 93, "", 0), "Menu", "ContextMenu");
    named(new Key(0xff61, "PrintScreen", "PrintScreen", 44, "", 0), "Print", "PrintScreen");
    named(new Key(0xff13, "Pause", "Pause", 19, "", 0), "Pause");
    for (int i = 1; i <= 12; i++) {
      named(new Key(0xffbe + i - 1, "F" + i, "F" + i, 111 + i, "", 0), "F" + i);
    }
    String[][] punct = {{"minus", "-"}, {"equal", "="}, {"plus", "+"}, {"comma", ","}, {"period", "."}, {"slash", "/"},
        {"backslash", "\\"}, {"semicolon", ";"}, {"apostrophe", "'"}, {"grave", "`"}, {"bracketleft", "["}, {"bracketright", "]"},
        {"asterisk", "*"}, {"underscore", "_"}, {"at", "@"}, {"numbersign", "#"}, {"dollar", "$"}, {"percent", "%"},
        {"ampersand", "&"}, {"exclam", "!"}, {"question", "?"}, {"colon", ":"}, {"quotedbl", "\""}, {"less", "<"}, {"greater", ">"},
        {"parenleft", "("}, {"parenright", ")"}, {"braceleft", "{"}, {"braceright", "}"}, {"bar", "|"}, {"asciitilde", "~"},
        {"asciicircum", "^"}};
    for (String[] p : punct) {
      named(character(p[1].codePointAt(0)), p[0]);
    }
  }

  private Keys() {}

  /** The key called {@code name}, if it names one. */
  public static Optional<Key> named(String name) {
    if (name.codePointCount(0, name.length()) == 1) {
      int cp = name.codePointAt(0);
      return Optional.of(cp == ' ' ? NAMED.get("space") : character(cp));
    }
    return Optional.ofNullable(NAMED.get(name.toLowerCase(Locale.ROOT)));
  }

  /** The key that types {@code cp}: Latin-1 keysyms are the code point, others 0x01000000 + it. */
  public static Key character(int cp) {
    switch (cp) {
      case '\n', '\r' -> {
        return NAMED.get("return");
      }
      case '\t' -> {
        return NAMED.get("tab");
      }
      default -> {
        // the code point is fine as text
      }
    }
    int keysym = (cp >= 0x20 && cp <= 0x7e) || (cp >= 0xa0 && cp <= 0xff) ? cp : 0x01000000 + cp;
    String s = new String(Character.toChars(cp));
    String code = "";
    int vk = 0;
    if (cp >= 'a' && cp <= 'z' || cp >= 'A' && cp <= 'Z') {
      code = "Key" + s.toUpperCase(Locale.ROOT);
      vk = Character.toUpperCase(cp);
    } else if (cp >= '0' && cp <= '9') {
      code = "Digit" + s;
      vk = cp;
    }
    return new Key(keysym, s, code, vk, s, 0);
  }

  /** Some of the names, for error messages. */
  static String examples() {
    return "a single character, Return, Escape, Tab, BackSpace, Delete, Home, End, Page_Up, Page_Down, Left, Up, Right, Down, space, "
        + "F1-F12, shift, ctrl, alt, super, or a chord of them such as ctrl+shift+t";
  }
}
