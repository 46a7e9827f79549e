package dev.warren.preview;

import dev.warren.config.Config;
import dev.warren.runtime.SandboxRuntime;
import dev.warren.sandbox.Sandbox;
import dev.warren.sandbox.SandboxListener;
import dev.warren.sandbox.SandboxService;
import dev.warren.sandbox.SandboxState;
import dev.warren.store.Store;
import java.util.function.Predicate;

/**
 * The preview capability as the API uses it: the minted URLs, the proxy, the preview hosts. Made
 * once by the composition root; a sandbox that stops closes its tunnels, one that is deleted takes
 * its URLs with it. {@link #close} closes the open tunnels.
 */
public record Previews(PreviewUrls urls, PreviewProxy proxy, PreviewHosts hosts) implements AutoCloseable {

  public static Previews open(Config config, Store store, SandboxService sandboxes, SandboxRuntime runtime, Predicate<String> tokenActive) {
    Previews p = new Previews(new PreviewUrls(store, tokenActive), new PreviewProxy(sandboxes, runtime), new PreviewHosts(config.previewDomain()));
    sandboxes.addListener(new SandboxListener() {
      @Override
      public void stopping(Sandbox s) {
        p.proxy.closeTunnels(b -> b.sandboxId().equals(s.id()));
        if (s.state() == SandboxState.DELETING) {
          try {
            p.urls.sandboxDeleted(s.id());
          } catch (RuntimeException e) {
            // its URLs cannot open anything without their sandbox; the rows are only untidy
            org.slf4j.LoggerFactory.getLogger(Previews.class).warn("cannot forget the preview URLs of {}: {}", s.id(), e.getMessage());
          }
        }
      }
    });
    return p;
  }

  public PreviewFilter filter() {
    return new PreviewFilter(hosts);
  }

  @Override
  public void close() {
    proxy.close();
  }
}
