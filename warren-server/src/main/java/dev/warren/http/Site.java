package dev.warren.http;

import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.util.Optional;

/**
 * The pages served beside the API (the dashboard), as the API's route table sees them: its routes,
 * and a gate of its own that runs before the API's token check. Lets {@code api} serve the
 * dashboard without knowing it, and {@code web} build it without knowing the API. Implementations
 * are thread-safe: every request thread calls them.
 */
public interface Site {

  /** Registers the site's routes. Called once, while the server is configured. */
  void register(RoutesConfig r);

  /**
   * The gate in front of every HTTP request: true when the site's own session admits it, false when
   * the API's token check must decide; throws a {@code WarrenException} (401, 403) to refuse it.
   */
  boolean admits(Context ctx);

  /** The same gate for a WebSocket upgrade. */
  boolean admitsUpgrade(Context ctx);

  /** The API token that logged in the session {@link #admits} let through, when it did. */
  Optional<String> loginToken(Context ctx);

  /**
   * Answers a failure of a request in its own way (a login page for a browser) and returns true, or
   * returns false to leave it to the API's problem body.
   */
  boolean answered(Exception e, Context ctx);
}
