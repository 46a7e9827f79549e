package dev.warren.build;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * One instruction of a Dockerfile, as written.
 *
 * @param line the line it starts on (1-based), for errors and progress
 * @param keyword upper case: {@code FROM}, {@code RUN}, …
 * @param flags its leading {@code --name=value} options (COPY's {@code --chown}); empty for most
 * @param args the rest, continuation lines joined, not yet expanded
 * @param exec the exec (JSON array) form of {@code args}, when it is one
 */
public record Instruction(int line, String keyword, Map<String, String> flags, String args, Optional<List<String>> exec) {
  public Instruction {
    Objects.requireNonNull(keyword, "keyword");
    flags = Map.copyOf(flags);
    Objects.requireNonNull(args, "args");
    Objects.requireNonNull(exec, "exec");
  }

  /** The instruction as a line of a Dockerfile (options and arguments as written). */
  public String text() {
    StringBuilder b = new StringBuilder(keyword);
    flags.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(f -> b.append(" --").append(f.getKey()).append('=').append(f.getValue()));
    return b.append(' ').append(args).toString();
  }
}
