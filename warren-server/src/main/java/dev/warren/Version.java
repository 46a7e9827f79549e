package dev.warren;

/** This build's version, as {@code warren --version}, backups and the start-up line show it. */
public final class Version {
  public static final String CURRENT = "0.1.0";

  private Version() {}
}
