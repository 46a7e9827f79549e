package dev.warren.log;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.spi.ContextAwareBase;

/**
 * Logging of every process of the jar until (for a controller) {@link LogSetup} replaces it: lines
 * of level {@code WARREN_LOG_LEVEL} (default INFO) to standard output, the chattiest libraries at
 * WARN. Made in code, found by logback as a service, instead of from a {@code logback.xml}: reading
 * that took a tenth of a second of every start (the XML parser and logback's model of it), which a
 * controller killed at any moment pays before it serves again, and a controller replaces it at once.
 *
 * <p>A {@code logback-test.xml} on the class path (the tests') wins: then this does nothing.
 */
public final class DefaultLogging extends ContextAwareBase implements Configurator {
  static final String PATTERN = "%d{yyyy-MM-dd'T'HH:mm:ss.SSSX,UTC} %-5level %logger{0} - %msg%n";

  public DefaultLogging() {}

  @Override
  public ExecutionStatus configure(LoggerContext ctx) {
    if (DefaultLogging.class.getClassLoader().getResource("logback-test.xml") != null) {
      return ExecutionStatus.INVOKE_NEXT_IF_ANY;
    }
    PatternLayoutEncoder encoder = new PatternLayoutEncoder();
    encoder.setContext(ctx);
    encoder.setPattern(PATTERN);
    encoder.start();
    ConsoleAppender<ILoggingEvent> console = new ConsoleAppender<>();
    console.setContext(ctx);
    console.setName("STDOUT");
    console.setEncoder(encoder);
    console.start();
    Logger root = ctx.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    String level = System.getenv("WARREN_LOG_LEVEL");
    root.setLevel(Level.toLevel(level == null || level.isBlank() ? "INFO" : level.strip(), Level.INFO));
    root.addAppender(console);
    LogSetup.QUIET.forEach((name, l) -> ctx.getLogger(name).setLevel(l));
    return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
  }
}
