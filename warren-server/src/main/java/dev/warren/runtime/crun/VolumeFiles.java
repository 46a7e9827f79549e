package dev.warren.runtime.crun;

import dev.warren.runtime.GuestFileException;
import dev.warren.runtime.GuestFileException.Kind;
import dev.warren.runtime.GuestFiles;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * The file API of a sandbox with volumes: a path at or under a volume's mount point reaches the
 * volume (through its host mount, where files carry the uids they have inside, so new files are
 * given to uid 0, the sandbox's root), any other path the root filesystem. Paths are matched after
 * {@code .} and {@code ..} are resolved by name; a symlink elsewhere that points into a volume is
 * resolved in the root filesystem (where the mount point is an empty directory). A read-only
 * mount refuses writes and deletes. Stateless; thread-safe.
 */
record VolumeFiles(String sandboxId, GuestFiles root, List<VolumeBinds.Mounted> volumes) implements GuestFiles {

  private record Target(GuestFiles files, String path, Optional<VolumeBinds.Mounted> volume) {}

  private Target route(String path) {
    String norm = Path.of("/").resolve(path).normalize().toString();
    Optional<VolumeBinds.Mounted> v = volumes.stream()
        .filter(m -> norm.equals(m.path()) || norm.startsWith(m.path().endsWith("/") ? m.path() : m.path() + "/"))
        .max(Comparator.comparingInt(m -> m.path().length()));
    if (v.isEmpty()) {
      return new Target(root, path, v);
    }
    String inside = norm.substring(v.get().path().length());
    GuestFiles files = new CrunFiles(sandboxId, v.get().hostDir(), 0, true);
    return new Target(files, inside.isEmpty() ? "/" : inside, v);
  }

  private Target writable(String path) {
    Target t = route(path);
    if (t.volume().isPresent() && t.volume().get().readOnly()) {
      throw new GuestFileException(Kind.BAD_PATH, path + " is on volume " + t.volume().get().name() + ", mounted read-only at "
          + t.volume().get().path() + " in " + sandboxId);
    }
    return t;
  }

  @Override
  public InputStream read(String path) {
    Target t = route(path);
    return t.files().read(t.path());
  }

  @Override
  public Optional<Entry> stat(String path) {
    Target t = route(path);
    return t.files().stat(t.path());
  }

  @Override
  public long write(String path, InputStream in, long maxBytes, Optional<Integer> mode) {
    Target t = writable(path);
    return t.files().write(t.path(), in, maxBytes, mode);
  }

  @Override
  public void mkdirs(String path) {
    Target t = writable(path);
    t.files().mkdirs(t.path());
  }

  @Override
  public List<Entry> list(String path) {
    Target t = route(path);
    return t.files().list(t.path());
  }

  @Override
  public void delete(String path) {
    Target t = writable(path);
    if (t.volume().isPresent() && t.path().equals("/")) {
      throw new GuestFileException(Kind.BAD_PATH, path + " is where volume " + t.volume().get().name() + " is mounted; it cannot be deleted");
    }
    t.files().delete(t.path());
  }
}
