package dev.warren.api;

import io.javalin.websocket.WsContext;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Open WebSockets (terminals, CDP, live views, VNC) by the API token that answers for them: the
 * token that opened them, or the one that minted the signed URL they were opened with. Revoking a
 * token closes its sockets at once with {@link #REVOKED_CODE} and a reason: a revoked token opens
 * nothing new, and keeps nothing open. Whoever checks a socket's token records the answering token
 * in the {@link #MINTER} attribute before the socket's connect handlers finish; sockets without it
 * (refused ones) are not tracked. Thread-safe.
 */
final class TokenSockets {
  private static final Logger log = LoggerFactory.getLogger(TokenSockets.class);
  /** Attribute of the upgrade request (or the socket) naming the token that answers for the socket. */
  static final String MINTER = "warren.minter";
  /** Close code of a socket whose token was revoked (the live view's "forbidden"). */
  static final int REVOKED_CODE = 4003;

  private record Open(String minter, WsContext ctx) {}

  private final Map<String, Open> bySession = new ConcurrentHashMap<>();

  void opened(WsContext ctx) {
    String minter = ctx.attribute(MINTER);
    if (minter != null && ctx.session.isOpen()) {
      bySession.put(ctx.sessionId(), new Open(minter, ctx));
    }
  }

  void closed(WsContext ctx) {
    bySession.remove(ctx.sessionId());
  }

  /** Closes every socket {@code minter} answers for; returns how many. */
  int revoked(String minter) {
    int n = 0;
    for (Open o : bySession.values()) {
      if (o.minter().equals(minter) && bySession.remove(o.ctx().sessionId(), o)) {
        PtyRoutes.closeIfOpen(o.ctx(), REVOKED_CODE, "the API token " + minter + " that opened this connection has been revoked", log,
            "a socket of a revoked token");
        n++;
      }
    }
    if (n > 0) {
      log.info("token {} revoked: {} WebSocket(s) it opened were closed", minter, n);
    }
    return n;
  }
}
