package dev.warren.log;

import ch.qos.logback.classic.AsyncAppender;
import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.encoder.LayoutWrappingEncoder;
import ch.qos.logback.core.rolling.RollingFileAppender;
import ch.qos.logback.core.rolling.SizeAndTimeBasedRollingPolicy;
import ch.qos.logback.core.util.FileSize;
import dev.warren.config.Config;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.slf4j.LoggerFactory;

/**
 * The controller's logging, set up from the validated configuration before anything logs: logfmt
 * lines ({@link Logfmt}) to standard output and to {@code <WARREN_LOG_DIR>/warren.log}, rolled
 * daily and at 50 MB, compressed, kept for WARREN_LOG_RETENTION and at most WARREN_LOG_MAX_SIZE in
 * all. With the system property {@code warren.log.console=false} (the daemon sets it) only the
 * file is written. Lines are written by a thread of the appenders' own, in order, none dropped;
 * {@link #stop()} writes out what is queued.
 */
public final class LogSetup {
  static final Map<String, Level> QUIET = Map.of("com.zaxxer.hikari", Level.WARN, "org.flywaydb", Level.WARN,
      "org.eclipse.jetty", Level.WARN, "io.javalin", Level.WARN);

  /**
   * Lines wait here for the appenders' thread: an API call's access line costs a queue insert
   * instead of two formatted, flushed writes (standard output and the file), which was a third of
   * what the preview proxy added to a request.
   */
  private static final int QUEUE = 8192;
  /** How long {@link #stop()} waits for queued lines to be written. */
  private static final java.time.Duration FLUSH = java.time.Duration.ofSeconds(10);

  private LogSetup() {}

  public static void configure(Config.Logging logging) {
    LoggerContext ctx = (LoggerContext) LoggerFactory.getILoggerFactory();
    ctx.reset();
    Logger root = ctx.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    root.setLevel(Level.toLevel(logging.level(), Level.INFO));
    QUIET.forEach((name, level) -> ctx.getLogger(name).setLevel(level));
    if (!"false".equals(System.getProperty("warren.log.console"))) {
      ConsoleAppender<ILoggingEvent> console = new ConsoleAppender<>();
      console.setContext(ctx);
      console.setName("stdout");
      console.setEncoder(encoder(ctx));
      console.start();
      root.addAppender(queued(ctx, console));
    }
    logging.dir().ifPresent(dir -> root.addAppender(queued(ctx, file(ctx, dir, logging))));
  }

  /** {@code target} behind a queue and a writer thread of its own (an async appender takes one appender only). */
  private static AsyncAppender queued(LoggerContext ctx, ch.qos.logback.core.Appender<ILoggingEvent> target) {
    AsyncAppender async = new AsyncAppender();
    async.setContext(ctx);
    async.setName("queued-" + target.getName());
    async.setQueueSize(QUEUE);
    // every line is kept: none dropped when the queue fills (a caller waits instead), whatever its level
    async.setDiscardingThreshold(0);
    async.setNeverBlock(false);
    async.setMaxFlushTime((int) FLUSH.toMillis());
    async.addAppender(target);
    async.start();
    return async;
  }

  /**
   * Writes out every line still queued and closes the log: the last step of a process that
   * configured it, so that its last lines (why a start failed, that it stopped) are not lost.
   */
  public static void stop() {
    ((LoggerContext) LoggerFactory.getILoggerFactory()).stop();
  }

  private static RollingFileAppender<ILoggingEvent> file(LoggerContext ctx, Path dir, Config.Logging logging) {
    try {
      if (!Files.isDirectory(dir)) {
        // made here: private (lines name sandboxes, tokens' ids, paths); a directory that exists keeps its mode
        Files.createDirectories(dir);
        Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("WARREN_LOG_DIR: cannot create " + dir + ": " + e.getMessage(), e);
    }
    RollingFileAppender<ILoggingEvent> file = new RollingFileAppender<>();
    file.setContext(ctx);
    file.setName("file");
    file.setFile(dir.resolve("warren.log").toString());
    SizeAndTimeBasedRollingPolicy<ILoggingEvent> policy = new SizeAndTimeBasedRollingPolicy<>();
    policy.setContext(ctx);
    policy.setParent(file);
    policy.setFileNamePattern(dir.resolve("warren.%d{yyyy-MM-dd,UTC}.%i.log.gz").toString());
    policy.setMaxFileSize(new FileSize(Math.min(50L << 20, logging.maxTotalBytes())));
    policy.setMaxHistory((int) Math.max(1, logging.retention().toDays()));
    policy.setTotalSizeCap(new FileSize(logging.maxTotalBytes()));
    policy.setCleanHistoryOnStart(true);
    policy.start();
    file.setRollingPolicy(policy);
    file.setEncoder(encoder(ctx));
    file.start();
    return file;
  }

  private static LayoutWrappingEncoder<ILoggingEvent> encoder(LoggerContext ctx) {
    Logfmt layout = new Logfmt();
    layout.setContext(ctx);
    layout.start();
    LayoutWrappingEncoder<ILoggingEvent> enc = new LayoutWrappingEncoder<>();
    enc.setContext(ctx);
    enc.setLayout(layout);
    enc.setCharset(java.nio.charset.StandardCharsets.UTF_8);
    enc.start();
    return enc;
  }
}
