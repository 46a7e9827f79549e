package dev.warren.client;

import java.util.List;

/**
 * A handle to one sandbox. Thread-safe; {@link #info()} is the last state any call on this handle
 * saw, {@link #refresh()} asks the server again.
 *
 * <p>Closing an <em>owning</em> handle (from {@link Sandboxes#create(SandboxSpec)}) deletes the
 * sandbox; closing a non-owning one (from {@code get}, {@code list}, {@code attach}) does not.
 * Either way {@code close()} is idempotent and the handle is unusable afterwards
 * ({@link IllegalStateException}).
 */
public interface Sandbox extends AutoCloseable {

  /** The sandbox id, e.g. {@code sbx_01JD6…}. */
  String id();

  /** The last known state; fetched once if this handle has seen none yet. */
  SandboxInfo info();

  /**
   * Re-reads the sandbox from the server.
   *
   * @throws NotFoundException if it no longer exists
   */
  SandboxInfo refresh();

  /** Runs a shell command line ({@code /bin/sh -c}) to completion with the default timeout. */
  ExecResult exec(String command);

  /**
   * Runs a command to completion. Not retried once the request was sent, since the command could
   * then run twice; retried only when the connection was refused before sending. The HTTP timeout is
   * the command's timeout plus 30 s.
   */
  ExecResult exec(ExecRequest request);

  /** Files inside the sandbox. */
  SandboxFiles files();

  /** Persistent shell sessions in the sandbox, whose commands share one bash's state. */
  Sessions sessions();

  /** Stops every process, keeps the files. A no-op on a stopped sandbox. */
  SandboxInfo stop();

  /** Boots a stopped or failed sandbox again, with the next generation. */
  SandboxInfo start();

  /** Stop, then start. */
  SandboxInfo restart();

  /**
   * Freezes every process (memory, open files, address and sessions kept; no CPU used):
   * {@link SandboxState#PAUSED}. A no-op on a paused sandbox; a {@link ConflictException} when it is
   * not running.
   */
  SandboxInfo pause();

  /**
   * Thaws a paused sandbox; its processes go on where they were. A no-op on a running one. Any exec,
   * file or session call resumes a paused sandbox too ({@link ExecResult#resumed()} says so).
   */
  SandboxInfo resume();

  /**
   * Snapshots the sandbox's files (running or paused: frozen for the copy, then thawed; stopped:
   * copied as it was left, and it stays stopped) as a read-only layer new sandboxes start from.
   * Memory and processes are not part of it.
   *
   * @param name a unique name, or null for none
   * @throws ConflictException when the sandbox is not running, paused or stopped, or the name is taken
   */
  SnapshotInfo snapshot(String name);

  /**
   * Snapshots the sandbox (running, paused or stopped) and creates {@code count} (1..50) running
   * sandboxes from that state, each with this one's spec plus {@code labels}: all or none. Closing a returned handle deletes that sandbox.
   */
  java.util.List<Sandbox> fork(int count, java.util.Map<String, String> labels);

  /** Connections the egress proxy handled for this sandbox, newest first, at most {@code limit}. */
  List<EgressEvent> egressEvents(int limit);

  /**
   * The TCP ports something listens on in this sandbox now, one entry per port, sorted; Warren's own
   * listeners (a desktop's VNC server, a browser's DevTools) are marked {@link ListeningPort#warren}.
   */
  List<ListeningPort> ports();

  /**
   * Mints a shareable URL of {@code port} (1-65535) that opens that port of this sandbox only, for
   * {@code ttl} (at most 7 days), until revoked, the sandbox deleted or the token revoked.
   */
  PreviewUrl mintPreviewUrl(int port, PreviewUrl.Access access, java.time.Duration ttl);

  /** The preview URLs of {@code port} that still open (without their secrets). */
  List<PreviewUrl> previewUrls(int port);

  /** Revokes a preview URL of {@code port}; false when that port has no such URL still open. */
  boolean revokePreviewUrl(int port, String urlId);

  /** Computer use on this sandbox's desktop (it must have been created with one). */
  Computer desktop();

  /** Whether {@link #close()} deletes the sandbox. */
  boolean deletesOnClose();

  /** Deletes the sandbox now, owning or not, and closes the handle. Already gone is fine. */
  void delete();

  /** Deletes the sandbox if this handle owns it (a 404 is fine); then the handle is closed. */
  @Override
  void close();
}
