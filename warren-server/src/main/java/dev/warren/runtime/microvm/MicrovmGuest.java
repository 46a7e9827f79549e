package dev.warren.runtime.microvm;

import dev.warren.runtime.ExecResult;
import dev.warren.runtime.ExecSpec;
import dev.warren.runtime.Guest;
import dev.warren.runtime.GuestDir;
import dev.warren.runtime.GuestFiles;
import dev.warren.runtime.SandboxRuntimeException;
import dev.warren.runtime.UnsupportedByRuntimeException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.List;

/**
 * A VM's {@link Guest}: one-shot commands through its agent; files ({@link MicrovmFiles}), processes
 * that outlive a call, signals and held directories ({@link GuestShell}, {@link MicrovmDir}) as
 * commands through it too. Shell sessions work so; terminals (a FIFO streamed out) and loopback
 * connections answer 501 naming the runtime (docs/microvm.md). A view over {@link MicrovmRuntime},
 * which owns the channels; holds nothing.
 */
record MicrovmGuest(MicrovmRuntime runtime, String sandboxId) implements Guest {
  /** Warren's programs the guest runs from {@code /.warren} (a read-only tmpfs the initramfs fills) beyond its agent. */
  private static final String HELPERS = "/.warren/";

  @Override
  public ExecResult exec(ExecSpec spec) {
    return runtime.channel(sandboxId).exec(spec);
  }

  private GuestShell sh() {
    return new GuestShell(runtime, sandboxId);
  }

  @Override
  public long spawn(ExecSpec spec) {
    spec.argv().stream().filter(a -> a.startsWith(HELPERS)).findFirst().ifPresent(this::installHelper);
    return sh().spawn(spec.argv(), spec.env(), spec.cwd());
  }

  /**
   * Puts one of Warren's helpers (the session shell's driver) into the guest's {@code /.warren},
   * unless it is there with this content already: the kernel's initramfs carries only the init and
   * the agent, and a VM booted by an older controller may hold an older copy. Makes the
   * {@code /dev/fd} links the guest's devtmpfs lacks (the driver reads through {@code /dev/fd/9}).
   */
  private void installHelper(String path) {
    String name = path.substring(HELPERS.length());
    if (!name.matches("[a-z]+\\.(sh|py)")) {
      return;
    }
    byte[] content;
    try (InputStream in = MicrovmGuest.class.getResourceAsStream("/dev/warren/helpers/" + name)) {
      if (in == null) {
        return;
      }
      content = in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    sh().check("install " + path, """
        # what udev makes on a full system and bash's process substitution and the session driver use
        [ -e /dev/fd ] || ln -s /proc/self/fd /dev/fd
        [ -e /dev/stdin ] || ln -s /proc/self/fd/0 /dev/stdin
        [ -e /dev/stdout ] || ln -s /proc/self/fd/1 /dev/stdout
        [ -e /dev/stderr ] || ln -s /proc/self/fd/2 /dev/stderr
        t=$(mktemp) && cat > "$t" || exit 1
        if [ -f "$1" ] && cmp -s "$t" "$1"; then rm -f "$t"; exit 0; fi
        mount -o remount,rw /.warren || { rm -f "$t"; exit 1; }
        cp "$t" "$1" && chmod 0755 "$1"; rc=$?
        rm -f "$t"
        mount -o remount,ro /.warren
        exit $rc
        """, List.of(path), content, 4096);
  }

  @Override
  public void killSession(long pid) {
    sh().killSession(pid);
  }

  @Override
  public boolean signalPid(long pid, int signal) {
    return sh().signalPid(pid, signal);
  }

  @Override
  public int signalMarked(String name, String value, int signal) {
    return sh().signalMarked(name, value, signal);
  }

  @Override
  public GuestFiles files() {
    return new MicrovmFiles(runtime, sandboxId);
  }

  @Override
  public GuestDir dir(String absolutePath, boolean create) {
    if (!absolutePath.startsWith("/")) {
      throw new SandboxRuntimeException("not an absolute path: " + absolutePath);
    }
    return MicrovmDir.open(sh(), absolutePath, create);
  }

  @Override
  public SocketChannel connect(int port, Duration timeout) {
    throw new UnsupportedByRuntimeException("microvm", "connect to a sandbox's loopback (a VM has no network device yet)");
  }
}
