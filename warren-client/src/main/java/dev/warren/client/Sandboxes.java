package dev.warren.client;

import java.util.List;
import java.util.Optional;

/**
 * The sandboxes of one server. Handles come in two kinds:
 * <ul>
 *   <li><b>owning</b>: {@link #create(SandboxSpec)} and {@link #attach(String, boolean)
 *       attach(id, true)}; closing the handle deletes the sandbox, so try-with-resources cleans up.
 *   <li><b>non-owning</b>: {@link #get(String)}, {@link #list(SandboxQuery)} and
 *       {@link #attach(String)}; closing the handle leaves the sandbox alone.
 * </ul>
 * Thread-safe.
 */
public interface Sandboxes {

  /**
   * Creates a sandbox and answers an owning handle once it runs. One {@code Idempotency-Key} is
   * made per call and sent on every retry, so a retried create never makes two sandboxes.
   *
   * @throws InvalidInputException when the server rejects the spec ({@code field()} says which part)
   * @throws LimitExceededException when the server holds as many sandboxes as it may
   */
  Sandbox create(SandboxSpec spec);

  /** Creates a sandbox with the server's defaults. */
  default Sandbox create() {
    return create(SandboxSpec.defaults());
  }

  /** A non-owning handle with fresh info, or empty when no such sandbox exists. */
  Optional<Sandbox> get(String id);

  /** Non-owning handles to the sandboxes that match. */
  List<Sandbox> list(SandboxQuery query);

  default List<Sandbox> list() {
    return list(SandboxQuery.all());
  }

  /**
   * Deletes a sandbox and everything in it.
   *
   * @return {@code true} if it was deleted, {@code false} if it did not exist (or an earlier,
   *     retried attempt of this call deleted it)
   */
  boolean delete(String id);

  /** A non-owning handle to a sandbox by id, without asking the server anything. */
  Sandbox attach(String id);

  /** A handle by id, without asking the server; with {@code deleteOnClose} it owns the sandbox. */
  Sandbox attach(String id, boolean deleteOnClose);
}
