package dev.warren.client;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Named browser profiles: a Chromium user-data directory (cookies, local storage, logins) saved
 * when a session that writes it ends, and loaded by the next session that names it
 * ({@link BrowserSpec.Builder#profile(String)}). A profile has at most one writing session at a
 * time; read-only sessions may share it. Names are 1–128 letters, digits, {@code .}, {@code _} or
 * {@code -}, starting with a letter or digit; other names are refused before any call
 * ({@link IllegalArgumentException}). Thread-safe.
 */
public interface Profiles {

  /** Every profile, by name. */
  List<ProfileInfo> list();

  /** The profile, or empty when there is none by that name. */
  Optional<ProfileInfo> get(String name);

  /**
   * The saved user-data directory as a tar archive; empty when no session saved the profile yet.
   *
   * @throws NotFoundException when there is no such profile
   */
  byte[] export(String name);

  /**
   * Streams the saved user-data directory (a tar archive) into {@code file}, replacing it only
   * once the whole archive arrived, so a failed export leaves no partial file. Retried from the
   * start on connection errors, 502, 503 and 504.
   *
   * @return the number of bytes written
   * @throws NotFoundException when there is no such profile
   */
  long export(String name, Path file);

  /**
   * Deletes the profile and its saved content.
   *
   * @return {@code true} if it was deleted, {@code false} if there was none
   * @throws ConflictException while a session writes it
   */
  boolean delete(String name);
}
