package dev.warren.store;

import org.jdbi.v3.core.statement.ParsedSql;
import org.jdbi.v3.core.statement.SqlParser;
import org.jdbi.v3.core.statement.StatementContext;

/**
 * The store's SQL parser: {@code :name} parameters (and {@code ?} positional ones) outside quoted
 * text and comments, by a scan of the statement. It replaces Jdbi's default, whose ANTLR lexer
 * builds its tables on a controller's first queries (a fifth of a second of every restart, spent
 * before the first row is read). Understands: {@code '…'} (with {@code ''}), {@code "…"},
 * {@code --} and {@code /* … *}{@code /} comments, PostgreSQL's {@code ::} casts, and names of
 * letters, digits, {@code _} and {@code .}. Thread-safe; keeps what it parsed (up to {@link #CACHED}
 * statements: the store's are constants, and any past that are parsed each time).
 */
final class NamedParameters implements SqlParser {
  static final int CACHED = 1000;
  private final java.util.concurrent.ConcurrentHashMap<String, ParsedSql> parsed = new java.util.concurrent.ConcurrentHashMap<>();

  @Override
  public ParsedSql parse(String sql, StatementContext ctx) {
    ParsedSql p = parsed.get(sql);
    if (p == null) {
      p = scan(sql);
      if (parsed.size() < CACHED) {
        parsed.put(sql, p);
      }
    }
    return p;
  }

  static ParsedSql scan(String sql) {
    ParsedSql.Builder b = ParsedSql.builder();
    StringBuilder text = new StringBuilder(sql.length());
    int n = sql.length();
    int i = 0;
    while (i < n) {
      char c = sql.charAt(i);
      if (c == '\'' || c == '"') {
        int end = closingQuote(sql, i, c);
        text.append(sql, i, end);
        i = end;
      } else if (c == '-' && i + 1 < n && sql.charAt(i + 1) == '-') {
        int end = sql.indexOf('\n', i);
        end = end < 0 ? n : end + 1;
        text.append(sql, i, end);
        i = end;
      } else if (c == '/' && i + 1 < n && sql.charAt(i + 1) == '*') {
        int end = sql.indexOf("*/", i + 2);
        end = end < 0 ? n : end + 2;
        text.append(sql, i, end);
        i = end;
      } else if (c == ':' && i + 1 < n && sql.charAt(i + 1) == ':') {
        text.append("::");
        i += 2;
      } else if (c == ':' && i + 1 < n && nameStart(sql.charAt(i + 1))) {
        int end = i + 1;
        while (end < n && namePart(sql.charAt(end))) {
          end++;
        }
        b.append(text.toString());
        text.setLength(0);
        b.appendNamedParameter(sql.substring(i + 1, end));
        i = end;
      } else if (c == '?') {
        b.append(text.toString());
        text.setLength(0);
        b.appendPositionalParameter();
        i++;
      } else {
        text.append(c);
        i++;
      }
    }
    b.append(text.toString());
    return b.build();
  }

  @Override
  public String nameParameter(String rawName, StatementContext ctx) {
    return ":" + rawName;
  }

  /** The index after the quote closing the one at {@code start} (a doubled quote is part of the text); the end when it is missing. */
  private static int closingQuote(String sql, int start, char quote) {
    int i = start + 1;
    while (i < sql.length()) {
      if (sql.charAt(i) == quote) {
        if (i + 1 < sql.length() && sql.charAt(i + 1) == quote) {
          i += 2;
          continue;
        }
        return i + 1;
      }
      i++;
    }
    return sql.length();
  }

  private static boolean nameStart(char c) {
    return Character.isLetter(c) || c == '_';
  }

  private static boolean namePart(char c) {
    return Character.isLetterOrDigit(c) || c == '_' || c == '.';
  }
}
