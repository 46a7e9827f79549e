package dev.warren.build;

import dev.warren.error.WarrenException;
import dev.warren.image.Image;
import dev.warren.image.ImageConfig;
import dev.warren.image.ImageRef;
import dev.warren.image.ImageStore;
import dev.warren.image.Images;
import dev.warren.image.StepTrees;
import dev.warren.image.UserImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Runs the instructions of one build in order over a chain of step images. Each step that makes an
 * image is keyed by (parent digest, instruction as run, digest of the context files it reads): a
 * key the store has already is taken as it is ({@code cached}), else the step is done and its image
 * installed under the key, untagged. Only the last image is tagged, once every step succeeded.
 * Not thread-safe: one build, one thread.
 */
final class DockerfileBuild {
  private final ImageStore store;
  private final Images builtIn;
  private final RunStep runs;
  private final Build build;
  private final Dockerfile file;
  private final BuildContext context;
  private final BuildOptions options;
  private final Path work;

  /** The image so far: {@code digest} empty until the first step makes one (FROM scratch). */
  private record Current(Optional<UserImage> image, ImageState state) {
    Optional<Path> tree(ImageStore store) {
      return image.flatMap(i -> store.rootfsOf(i.digest()));
    }

    String digest() {
      return image.map(UserImage::digest).orElse("scratch");
    }
  }

  DockerfileBuild(ImageStore store, Images builtIn, RunStep runs, Build build, Dockerfile file, BuildContext context, BuildOptions options, Path work) {
    this.store = store;
    this.builtIn = builtIn;
    this.runs = runs;
    this.build = build;
    this.file = file;
    this.context = context;
    this.options = options;
    this.work = work;
  }

  /** Runs every step, then tags the result as {@code ref}. */
  UserImage run(ImageRef ref) throws IOException {
    Map<String, String> args = new LinkedHashMap<>();
    Current cur = null;
    int n = 0;
    for (Instruction ins : file.instructions()) {
      n++;
      build.started(n);
      boolean cached = false;
      switch (ins.keyword()) {
        case "ARG" -> arg(ins, args, cur);
        case "FROM" -> {
          Step s = from(ins, args, n);
          cached = s.cached();
          cur = s.current();
        }
        default -> {
          Step s = step(ins, args, cur, n);
          cached = s.cached();
          cur = s.current();
        }
      }
      build.finished(n, cached);
    }
    if (cur.image().isEmpty()) {
      // FROM scratch and nothing else: an image of no layers
      cur = commit(key("FROM scratch", "scratch", ""), cur, cur.state().copy(), Optional.empty(), "FROM scratch").current();
    }
    UserImage last = cur.image().get();
    return store.tag(ref, last, store.configBlob(last.digest()).orElseThrow());
  }

  private record Step(Current current, boolean cached) {}

  private void arg(Instruction ins, Map<String, String> args, Current cur) {
    String a = ins.args().strip();
    int eq = a.indexOf('=');
    String name = eq < 0 ? a : a.substring(0, eq);
    Map<String, String> vars = vars(args, cur);
    String value = options.buildArgs().containsKey(name) ? options.buildArgs().get(name)
        : eq >= 0 ? Dockerfile.expand(unquote(a.substring(eq + 1)), vars) : args.getOrDefault(name, "");
    args.put(name, value);
  }

  private static String unquote(String s) {
    List<String> w = Dockerfile.words(s);
    return w.isEmpty() ? "" : String.join(" ", w);
  }

  private Step from(Instruction ins, Map<String, String> args, int n) throws IOException {
    List<String> words = Dockerfile.words(Dockerfile.expand(ins.args(), args));
    if (words.size() != 1 && !(words.size() == 3 && words.get(1).equalsIgnoreCase("AS"))) {
      throw Dockerfile.invalid(ins.line(), "FROM", "takes an image and an optional 'AS name', got '" + ins.args() + "'");
    }
    String name = words.getFirst();
    if (name.equals("scratch")) {
      return new Step(new Current(Optional.empty(), new ImageState()), false);
    }
    Optional<Image> recipe = builtIn.recipes().stream().anyMatch(r -> r.name().equals(name)) ? builtIn.find(name) : Optional.empty();
    if (builtIn.recipes().stream().anyMatch(r -> r.name().equals(name))) {
      if (recipe.isEmpty()) {
        throw Dockerfile.invalid(ins.line(), "FROM", "names the built-in image '" + name + "', which is not built on this host yet (warren image build "
            + name + ")");
      }
      return builtInBase(recipe.get(), n);
    }
    ImageRef ref;
    try {
      ref = ImageRef.parse("FROM", name);
    } catch (WarrenException e) {
      throw Dockerfile.invalid(ins.line(), "FROM", "names '" + name + "', which is neither a built-in image nor an image name");
    }
    UserImage i = store.find(ref).orElseThrow(() -> Dockerfile.invalid(ins.line(), "FROM", "names the image " + ref
        + ", which this Warren does not have (GET /v1/images lists them; import or build it first)"));
    String blob = store.configBlob(i.digest()).orElseThrow(() -> new BuildException("image " + ref + " has no stored config"));
    return new Step(new Current(Optional.of(i), ImageState.parse(blob)), false);
  }

  /** A built-in golden image as the first step image: its whole tree one layer, made once per recipe digest. */
  private Step builtInBase(Image golden, int n) throws IOException {
    String key = key("FROM " + golden.name(), golden.digest(), "");
    Optional<Step> hit = cached(key, null);
    if (hit.isPresent()) {
      return hit.get();
    }
    ImageState state = new ImageState();
    Path layer = work.resolve("layer-" + n + ".tar");
    String diffId;
    try (LayerTar tar = new LayerTar(layer)) {
      TreeTar.write(golden.rootfs(), tar, false);
      diffId = tar.finish();
    }
    Path tree = work.resolve("tree-" + n);
    // copied, never hard-linked: the golden image is shared by every sandbox and data directory of the host
    StepTrees.copyWhole(golden.rootfs(), tree);
    state.diffIds.add(diffId);
    state.history.add(new ImageState.History("FROM " + golden.name() + " (Warren's built-in image, recipe " + golden.digest() + ")", false));
    return new Step(new Current(Optional.of(install(key, state, Files.size(layer), tree, Optional.of(layer))), state), false);
  }

  private Step step(Instruction ins, Map<String, String> args, Current cur, int n) throws IOException {
    Map<String, String> vars = vars(args, cur);
    ImageState next = cur.state().copy();
    switch (ins.keyword()) {
      case "ENV" -> {
        Map<String, String> pairs = Dockerfile.pairs(ins, vars);
        pairs.keySet().forEach(k -> {
          if (!k.matches("[A-Za-z_][A-Za-z0-9_]*")) {
            throw Dockerfile.invalid(ins.line(), "ENV", "has the name '" + k + "', which is not a variable name");
          }
        });
        next.env.putAll(pairs);
        return metadata(ins, "ENV " + pairs, cur, next);
      }
      case "LABEL" -> {
        Map<String, String> pairs = Dockerfile.pairs(ins, vars);
        next.labels.putAll(pairs);
        return metadata(ins, "LABEL " + pairs, cur, next);
      }
      case "USER" -> {
        next.user = Dockerfile.expand(ins.args().strip(), vars);
        return metadata(ins, "USER " + next.user, cur, next);
      }
      case "CMD", "ENTRYPOINT" -> {
        List<String> argv = ins.exec().orElseGet(() -> concat(cur.state().shell, ins.args()));
        if (ins.keyword().equals("CMD")) {
          next.cmd = argv;
        } else {
          next.entrypoint = argv;
        }
        return metadata(ins, ins.keyword() + " " + argv, cur, next);
      }
      case "SHELL" -> {
        next.shell = ins.exec().filter(l -> !l.isEmpty()).orElseThrow(() -> Dockerfile.invalid(ins.line(), "SHELL",
            "takes the exec form, a JSON array such as [\"/bin/bash\", \"-c\"]"));
        return metadata(ins, "SHELL " + next.shell, cur, next);
      }
      case "WORKDIR" -> {
        String dir = absolute(cur.state().workingDir, Dockerfile.expand(ins.args().strip(), vars));
        next.workingDir = dir;
        String text = "WORKDIR " + dir;
        String key = key(text, cur.digest(), "");
        Optional<Step> hit = cached(key, cur);
        if (hit.isPresent()) {
          return hit.get();
        }
        Path layer = work.resolve("layer-" + n + ".tar");
        try (LayerTar tar = new LayerTar(layer)) {
          CopyLayer.parents(tar, cur.tree(store), CopyLayer.rel(dir), System.currentTimeMillis() / 1000);
        }
        return commit(key, cur, next, Optional.of(layer), text);
      }
      case "COPY", "ADD" -> {
        return copy(ins, vars, cur, next, n);
      }
      case "RUN" -> {
        return run(ins, args, cur, next, n);
      }
      default -> throw Dockerfile.invalid(ins.line(), ins.keyword(), "is not supported");
    }
  }

  private Step metadata(Instruction ins, String text, Current cur, ImageState next) throws IOException {
    String key = key(text, cur.digest(), "");
    Optional<Step> hit = cached(key, cur);
    if (hit.isPresent()) {
      return hit.get();
    }
    return commit(key, cur, next, Optional.empty(), text);
  }

  private Step copy(Instruction ins, Map<String, String> vars, Current cur, ImageState next, int n) throws IOException {
    List<String> words = ins.exec().orElseGet(() -> Dockerfile.words(ins.args())).stream().map(w -> Dockerfile.expand(w, vars)).toList();
    if (words.size() < 2) {
      throw Dockerfile.invalid(ins.line(), ins.keyword(), "needs a source and a destination");
    }
    List<String> sources = words.subList(0, words.size() - 1);
    for (String s : sources) {
      if (s.matches("(?i)[a-z][a-z0-9+.-]*://.*")) {
        throw Dockerfile.invalid(ins.line(), ins.keyword(), "names the URL '" + s + "': a build reads only its context (download in a RUN instead)");
      }
    }
    String rawDest = words.getLast();
    String dest = absolute(cur.state().workingDir, rawDest) + (rawDest.endsWith("/") ? "/" : "");
    List<Path> paths = new ArrayList<>();
    for (String s : sources) {
      paths.addAll(context.resolve(s, ins));
    }
    Optional<String> chown = Optional.ofNullable(ins.flags().get("chown")).map(c -> Dockerfile.expand(c, vars));
    Optional<Integer> chmod;
    try {
      chmod = Optional.ofNullable(ins.flags().get("chmod")).map(m -> Integer.parseInt(m, 8));
    } catch (NumberFormatException e) {
      throw Dockerfile.invalid(ins.line(), ins.keyword(), "has --chmod=" + ins.flags().get("chmod") + ", which is not an octal mode");
    }
    String text = ins.keyword() + (chown.map(c -> " --chown=" + c).orElse("")) + (chmod.map(m -> " --chmod=" + Integer.toOctalString(m)).orElse(""))
        + " " + String.join(" ", sources) + " " + dest;
    String key = key(text, cur.digest(), context.digest(paths));
    Optional<Step> hit = cached(key, cur);
    if (hit.isPresent()) {
      return hit.get();
    }
    CopyLayer.Owner owner = chown.isPresent() ? CopyLayer.Owner.parse(chown.get(), cur.tree(store), ins) : CopyLayer.Owner.ROOT;
    Path layer = work.resolve("layer-" + n + ".tar");
    try (LayerTar tar = new LayerTar(layer)) {
      CopyLayer.write(tar, context.root(), paths, dest, owner, chmod, cur.tree(store));
    }
    return commit(key, cur, next, Optional.of(layer), text);
  }

  private Step run(Instruction ins, Map<String, String> args, Current cur, ImageState next, int n) throws IOException {
    List<String> argv = ins.exec().orElseGet(() -> concat(cur.state().shell, ins.args()));
    // build arguments reach a RUN as environment variables, and so are part of its key
    Map<String, String> env = new TreeMap<>(args);
    env.putAll(cur.state().env);
    String text = "RUN " + argv;
    String key = key(text, cur.digest(), new TreeMap<>(args).toString());
    Optional<Step> hit = cached(key, cur);
    if (hit.isPresent()) {
      return hit.get();
    }
    if (cur.image().isEmpty()) {
      throw Dockerfile.invalid(ins.line(), "RUN", "has nothing to run in: FROM scratch has no shell; COPY one in first");
    }
    List<String> command = asUser(cur, argv, env, ins);
    Path layer = work.resolve("layer-" + n + ".tar");
    Path capture = work.resolve("capture-" + n);
    RunStep.Ran ran;
    try (LayerTar tar = new LayerTar(layer)) {
      ran = runs.run(build.id(), cur.digest(), command, env, cur.state().workingDir.isEmpty() ? "/" : cur.state().workingDir, options.allow(), tar,
          capture);
    } finally {
      StepTrees.delete(capture);
    }
    build.output(n, ran.output());
    if (ran.exitCode() != 0 || ran.timedOut()) {
      List<String> tail = ran.output().subList(Math.max(0, ran.output().size() - Build.TAIL_LINES), ran.output().size());
      String why = "step " + n + " (Dockerfile line " + ins.line() + ", " + ins.text() + ") " + (ran.timedOut() ? "timed out after "
          + RunStep.TIMEOUT.toMinutes() + " minutes" : "exited with code " + ran.exitCode()) + "; no image was tagged";
      throw new StepFailed(n, ran.exitCode(), tail, why, ins.line());
    }
    return commit(key, cur, next, Optional.of(layer), text);
  }

  /** A RUN's command as the image's USER, when it names one other than root (setpriv with the ids the image's passwd gives). */
  private List<String> asUser(Current cur, List<String> argv, Map<String, String> env, Instruction ins) {
    String user = cur.state().user;
    if (user.isEmpty()) {
      return argv;
    }
    dev.warren.image.ImageUsers.User u = cur.tree(store).flatMap(t -> dev.warren.image.ImageUsers.resolve(t, user)).orElseThrow(() ->
        Dockerfile.invalid(ins.line(), "RUN", "runs as the user '" + user + "', which the image's /etc/passwd does not list"));
    if (u.root()) {
      return argv;
    }
    env.putIfAbsent("HOME", u.home());
    return u.wrap(argv);
  }

  /** A RUN that failed: what the build reports and the API answers (422 with the exit code and the last lines). */
  static final class StepFailed extends RuntimeException {
    final int step;
    final int exitCode;
    final List<String> tail;
    final int line;

    StepFailed(int step, int exitCode, List<String> tail, String why, int line) {
      super(why);
      this.step = step;
      this.exitCode = exitCode;
      this.tail = List.copyOf(tail);
      this.line = line;
    }
  }

  private Optional<Step> cached(String key, Current cur) {
    return store.cachedStep(key).map(i -> new Step(new Current(Optional.of(i), ImageState.parse(store.configBlob(i.digest()).orElseThrow())), true));
  }

  /** Makes the step's image: the parent's tree copied, the layer (if any) applied, installed untagged under {@code key}. */
  private Step commit(String key, Current cur, ImageState next, Optional<Path> layer, String createdBy) throws IOException {
    Path tree = work.resolve("tree-" + Long.toHexString(System.nanoTime()));
    StepTrees.copy(cur.tree(store), tree);
    long size = cur.image().map(UserImage::sizeBytes).orElse(0L);
    Optional<Path> added = Optional.empty();
    if (layer.isPresent() && Files.size(layer.get()) > 1024) {
      String diffId = "sha256:" + HexFormat.of().formatHex(sha(layer.get()));
      StepTrees.apply(tree, layer.get(), diffId);
      next.diffIds.add(diffId);
      next.history.add(new ImageState.History(createdBy, false));
      size += Files.size(layer.get());
      added = layer;
    } else {
      next.history.add(new ImageState.History(createdBy, true));
    }
    return new Step(new Current(Optional.of(install(key, next, size, tree, added)), next), false);
  }

  private UserImage install(String key, ImageState state, long size, Path tree, Optional<Path> layer) throws IOException {
    String blob = state.blob();
    String digest = ImageState.digest(blob);
    UserImage image = new UserImage(new ImageRef("sha256", digest.substring(7)), digest, state.diffIds, ImageConfig.ofOciBlob(blob), size, "build",
        Instant.now());
    UserImage installed = store.installStep(key, image, blob, tree, layer);
    StepTrees.delete(tree); // there already: another build made the same image
    return installed;
  }

  private static byte[] sha(Path f) throws IOException {
    var sha = BuildContext.sha256();
    try (var in = Files.newInputStream(f)) {
      byte[] buf = new byte[1 << 16];
      for (int r; (r = in.read(buf)) > 0; ) {
        sha.update(buf, 0, r);
      }
    }
    return sha.digest();
  }

  private static String key(String text, String parent, String extra) {
    var sha = BuildContext.sha256();
    sha.update((parent + "\n" + text + "\n" + extra).getBytes(StandardCharsets.UTF_8));
    return HexFormat.of().formatHex(sha.digest());
  }

  private static Map<String, String> vars(Map<String, String> args, Current cur) {
    Map<String, String> v = new LinkedHashMap<>(args);
    if (cur != null) {
      v.putAll(cur.state().env);
    }
    return v;
  }

  private static List<String> concat(List<String> shell, String command) {
    List<String> out = new ArrayList<>(shell);
    out.add(command);
    return out;
  }

  /** {@code path} made absolute against the working directory {@code wd} and normalised ({@code ..} stops at /). */
  static String absolute(String wd, String path) {
    return java.nio.file.Path.of("/").resolve(wd.isEmpty() ? "/" : wd).resolve(path).normalize().toString();
  }
}
