package dev.warren.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.jdbi.v3.core.statement.ColonPrefixSqlParser;
import org.junit.jupiter.api.Test;

/** The store's SQL parser finds the same parameters as Jdbi's own (ANTLR) parser, which it replaces. */
class NamedParametersTest {
  @Test
  void statementsParseAsJdbisOwnParserParsesThem() {
    ColonPrefixSqlParser jdbi = new ColonPrefixSqlParser();
    NamedParameters ours = new NamedParameters();
    for (String sql : List.of(
        "SELECT * FROM sandboxes WHERE id = :id",
        "INSERT INTO events (kind, subject, at, detail) VALUES (:kind, :subject, :at, :detail)",
        "UPDATE sandboxes SET state = :state, spec = :spec WHERE id = :id AND generation = :gen_1",
        "SELECT 'a :quoted one', \"col:umn\" FROM t WHERE x = :x -- and :comment\n AND y = :y",
        "SELECT /* :block */ x::text, 'it''s :not' FROM t WHERE z = :z",
        "SELECT ? , ? FROM t WHERE a = '?'",
        "SELECT :named.part FROM t",
        "SELECT count(*) FROM t")) {
      assertThat(ours.parse(sql, null)).as(sql).isEqualTo(jdbi.parse(sql, null));
    }
    assertThat(ours.parse("SELECT :a", null).getParameters().getParameterNames()).containsExactly("a");
    assertThat(ours.nameParameter("id", null)).isEqualTo(jdbi.nameParameter("id", null));
  }
}
