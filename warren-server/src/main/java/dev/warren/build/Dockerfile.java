package dev.warren.build;

import dev.warren.error.WarrenException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A parsed Dockerfile: one stage, its instructions in order. Comments ({@code #} first on a line,
 * also between continuation lines) and blank lines are dropped; a line ending in a backslash
 * continues on the next. What Warren does not build (a second {@code FROM}, {@code EXPOSE},
 * {@code COPY --from}, {@code RUN --mount}, …) is a 400 naming the line and the instruction.
 * Stateless once made.
 */
public record Dockerfile(List<Instruction> instructions) {
  /** What a Dockerfile may use. */
  public static final Set<String> SUPPORTED = Set.of("FROM", "RUN", "COPY", "ADD", "ENV", "ARG", "WORKDIR", "USER", "LABEL", "CMD", "ENTRYPOINT",
      "SHELL");
  private static final Map<String, Set<String>> FLAGS = Map.of("COPY", Set.of("chown", "chmod"), "ADD", Set.of("chown", "chmod"));
  private static final JsonMapper JSON = JsonMapper.builder().build();
  /** The largest Dockerfile read. */
  public static final int MAX_BYTES = 1 << 20;

  public Dockerfile {
    instructions = List.copyOf(instructions);
  }

  /** Parses {@code text}; 400 (field {@code dockerfile}) naming the line of the first thing it cannot build. */
  public static Dockerfile parse(String text) {
    List<Instruction> out = new ArrayList<>();
    String[] lines = text.split("\r?\n", -1);
    boolean from = false;
    for (int i = 0; i < lines.length; i++) {
      String first = lines[i].strip();
      if (first.isEmpty() || first.startsWith("#")) {
        continue;
      }
      int start = i + 1;
      StringBuilder joined = new StringBuilder();
      String l = lines[i];
      while (true) {
        String s = l.stripTrailing();
        if (s.endsWith("\\") && i + 1 < lines.length) {
          joined.append(s, 0, s.length() - 1);
          // comment lines inside a continuation are dropped, as docker does
          do {
            i++;
          } while (i + 1 < lines.length && lines[i].strip().startsWith("#"));
          l = lines[i];
          continue;
        }
        joined.append(s.endsWith("\\") ? s.substring(0, s.length() - 1) : s);
        break;
      }
      Instruction ins = instruction(start, joined.toString().strip());
      if (ins.keyword().equals("FROM")) {
        if (from) {
          throw invalid(start, "FROM", "a second FROM (multi-stage builds) is not supported; build each stage as an image of its own");
        }
        from = true;
      } else if (!from && !ins.keyword().equals("ARG")) {
        throw invalid(start, ins.keyword(), "comes before FROM; a Dockerfile starts with FROM (ARG may come before it)");
      }
      out.add(ins);
    }
    if (!from) {
      throw WarrenException.invalid("dockerfile", "the Dockerfile has no FROM instruction");
    }
    return new Dockerfile(out);
  }

  private static Instruction instruction(int line, String text) {
    int sp = firstSpace(text);
    String keyword = (sp < 0 ? text : text.substring(0, sp)).toUpperCase(java.util.Locale.ROOT);
    String rest = sp < 0 ? "" : text.substring(sp).strip();
    if (!SUPPORTED.contains(keyword)) {
      throw invalid(line, keyword, "is not supported; a Warren build supports " + String.join(", ", SUPPORTED.stream().sorted().toList()));
    }
    Map<String, String> flags = new LinkedHashMap<>();
    while (rest.startsWith("--")) {
      int end = firstSpace(rest);
      String flag = end < 0 ? rest : rest.substring(0, end);
      int eq = flag.indexOf('=');
      String name = eq < 0 ? flag.substring(2) : flag.substring(2, eq);
      if (!FLAGS.getOrDefault(keyword, Set.of()).contains(name)) {
        throw invalid(line, keyword, "has the option --" + name + ", which Warren does not support"
            + (FLAGS.containsKey(keyword) ? " (it takes " + String.join(", ", FLAGS.get(keyword).stream().sorted().map(f -> "--" + f).toList()) + ")" : ""));
      }
      if (eq < 0) {
        throw invalid(line, keyword, "has --" + name + " without a value (--" + name + "=VALUE)");
      }
      flags.put(name, flag.substring(eq + 1));
      rest = end < 0 ? "" : rest.substring(end).strip();
    }
    if (rest.isEmpty()) {
      throw invalid(line, keyword, "has no arguments");
    }
    return new Instruction(line, keyword, flags, rest, exec(rest));
  }

  private static int firstSpace(String s) {
    for (int i = 0; i < s.length(); i++) {
      if (Character.isWhitespace(s.charAt(i))) {
        return i;
      }
    }
    return -1;
  }

  /** The JSON array of strings {@code args} is, if it is one (else the shell form, as docker reads it). */
  private static Optional<List<String>> exec(String args) {
    if (!args.startsWith("[")) {
      return Optional.empty();
    }
    try {
      JsonNode n = JSON.readTree(args);
      if (!n.isArray()) {
        return Optional.empty();
      }
      List<String> out = new ArrayList<>();
      for (JsonNode e : n) {
        if (!e.isString()) {
          return Optional.empty();
        }
        out.add(e.asString());
      }
      return Optional.of(out);
    } catch (tools.jackson.core.JacksonException e) {
      return Optional.empty();
    }
  }

  /** A 400 naming the line and instruction of the Dockerfile. */
  static WarrenException invalid(int line, String keyword, String why) {
    return new WarrenException(dev.warren.error.Problem.INVALID_INPUT, "Dockerfile line " + line + ": " + keyword + " " + why,
        Optional.of("dockerfile"), Map.of("line", line, "instruction", keyword), null);
  }

  /**
   * {@code s} with {@code $NAME}, {@code ${NAME}}, {@code ${NAME:-default}} and
   * {@code ${NAME:+alternative}} replaced from {@code vars} (unset is empty); {@code \$} is a
   * dollar sign.
   */
  static String expand(String s, Map<String, String> vars) {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\\' && i + 1 < s.length() && s.charAt(i + 1) == '$') {
        out.append('$');
        i++;
        continue;
      }
      if (c != '$' || i + 1 >= s.length()) {
        out.append(c);
        continue;
      }
      if (s.charAt(i + 1) == '{') {
        int end = s.indexOf('}', i + 2);
        if (end < 0) {
          out.append(c);
          continue;
        }
        String body = s.substring(i + 2, end);
        int op = body.indexOf(':');
        String name = op < 0 ? body : body.substring(0, op);
        String value = vars.getOrDefault(name, "");
        if (op >= 0 && body.length() > op + 1) {
          String word = body.substring(op + 2);
          value = switch (body.charAt(op + 1)) {
            case '-' -> value.isEmpty() ? word : value;
            case '+' -> value.isEmpty() ? "" : word;
            default -> value;
          };
        }
        out.append(value);
        i = end;
        continue;
      }
      int j = i + 1;
      while (j < s.length() && (Character.isLetterOrDigit(s.charAt(j)) || s.charAt(j) == '_')) {
        j++;
      }
      if (j == i + 1) {
        out.append(c);
        continue;
      }
      out.append(vars.getOrDefault(s.substring(i + 1, j), ""));
      i = j - 1;
    }
    return out.toString();
  }

  /**
   * {@code KEY=value KEY2="two words"} pairs (ENV, LABEL), or the old {@code KEY value} form of
   * one pair; quotes and backslashes removed, variables expanded.
   */
  static Map<String, String> pairs(Instruction ins, Map<String, String> vars) {
    Map<String, String> out = new LinkedHashMap<>();
    String a = ins.args();
    int sp = firstSpace(a);
    int eq = a.indexOf('=');
    if (eq < 0 || (sp >= 0 && sp < eq)) {
      if (sp < 0) {
        throw invalid(ins.line(), ins.keyword(), "needs a value: " + ins.keyword() + " NAME=value");
      }
      out.put(a.substring(0, sp), expand(a.substring(sp).strip(), vars));
      return out;
    }
    for (String word : words(a)) {
      int e = word.indexOf('=');
      if (e <= 0) {
        throw invalid(ins.line(), ins.keyword(), "has '" + word + "', which is not NAME=value");
      }
      out.put(expand(word.substring(0, e), vars), expand(word.substring(e + 1), vars));
    }
    return out;
  }

  /** Splits at unquoted whitespace, removing the quotes (a backslash escapes the next character outside single quotes); {@code $} kept. */
  static List<String> words(String s) {
    List<String> out = new ArrayList<>();
    StringBuilder cur = null;
    char quote = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (quote == 0 && Character.isWhitespace(c)) {
        if (cur != null) {
          out.add(cur.toString());
          cur = null;
        }
        continue;
      }
      if (cur == null) {
        cur = new StringBuilder();
      }
      if (c == '\\' && quote != '\'' && i + 1 < s.length()) {
        char next = s.charAt(++i);
        if (next == '$') {
          cur.append('\\');
        }
        cur.append(next);
      } else if ((c == '"' || c == '\'') && (quote == 0 || quote == c)) {
        quote = quote == 0 ? c : 0;
      } else {
        cur.append(c);
      }
    }
    if (cur != null) {
      out.add(cur.toString());
    }
    return out;
  }
}
