package dev.warren.client;

import java.util.List;
import java.util.Optional;

/**
 * Volumes: filesystems that outlive sandboxes, mounted into sandboxes at their create
 * ({@link SandboxSpec.Builder#volume}). A volume's size is enforced by the kernel; it has at most
 * one read-write mount at a time and any number of read-only ones. Names are 1–64 lower-case
 * letters, digits, {@code .}, {@code _} or {@code -}, starting with a letter or digit; other names
 * are refused before any call ({@link IllegalArgumentException}). Thread-safe.
 */
public interface Volumes {

  /**
   * Makes an empty volume of {@code sizeMb} MiB (16 to 1048576).
   *
   * @throws ConflictException when a volume has that name
   * @throws InvalidInputException naming {@code sizeMb} when it is out of range
   */
  VolumeInfo create(String name, int sizeMb);

  /** Every volume, by name. */
  List<VolumeInfo> list();

  /** The volume, or empty when there is none by that name. */
  Optional<VolumeInfo> get(String name);

  /**
   * Deletes the volume and its files.
   *
   * @return {@code true} if it was deleted, {@code false} if there was none
   * @throws ConflictException while a sandbox names it (the message names them)
   */
  boolean delete(String name);
}
