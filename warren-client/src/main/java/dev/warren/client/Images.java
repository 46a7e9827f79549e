package dev.warren.client;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Images sandboxes are made from: the built-in ones ({@code base}, {@code browser}) and your own,
 * imported from an OCI image layout or a {@code docker save} tarball, or pulled from a registry.
 * A user image is named {@code name[:tag]} ({@code latest} when left out); a sandbox made from it
 * ({@link SandboxSpec.Builder#image}) keeps the image it was made from when the tag later names
 * another. Thread-safe.
 */
public interface Images {

  /** The built-in images and the user images, user images by name and tag. */
  List<ImageInfo> list();

  /** The image, or empty when there is none by that name. */
  Optional<ImageInfo> get(String name);

  /**
   * Imports the archive {@code file} (an OCI image layout or a {@code docker save} tarball, as a
   * tar file) as {@code name}, streamed from disk; the tag then names the new image. Not retried
   * once its bytes are on their way.
   *
   * @throws InvalidInputException naming {@code name} for a bad name, or {@code body} when the
   *     archive is not an image or a layer is unsafe (a member leaving the layer)
   * @throws WarrenException with status 413 when the archive is over the server's limit (8 GiB)
   */
  ImageInfo importImage(Path file, String name);

  /**
   * Pulls {@code reference} (e.g. {@code docker.io/library/python:3.12}) from its registry (or the
   * server's configured mirror) as {@code name}, or as its repository and tag when {@code name} is empty.
   */
  ImageInfo pull(String reference, Optional<String> name);

  /**
   * As {@link #pull(String, Optional)}, from a registry that wants credentials: the server gives
   * {@code credentials} to that registry (Basic, or to the token service it names) for this pull
   * only. A private image pulled so is then shared like any image, with every caller of the server.
   *
   * @throws UnauthorizedException with status 403 when the registry refuses them (the message names it)
   */
  ImageInfo pull(String reference, Optional<String> name, RegistryCredentials credentials);

  /**
   * Writes the image to {@code file} as a tar of an OCI image layout (plain tar layers, with a
   * {@code docker save} manifest.json too, so docker load and skopeo read it); returns its bytes.
   *
   * @throws NotFoundException when there is no such image
   */
  long export(String name, Path file);

  /**
   * Deletes the tag; the image's files go once no tag and no sandbox needs them.
   *
   * @return {@code true} if it was deleted, {@code false} if there was none
   * @throws ConflictException while a sandbox was made from it (the message names them)
   */
  boolean delete(String name);

  /**
   * Builds the Dockerfile in the directory {@code context} (sent as a tar; the server leaves out
   * what its {@code .dockerignore} names) as {@code name}, step by step in sandboxes on the
   * server, calling {@code progress} with each step's change and each line a RUN printed, and
   * returns the build once it ended. A failed step does not throw: the build says
   * {@code failed}, with the step's exit code and last lines of output, and no image was tagged.
   *
   * @throws InvalidInputException for a Dockerfile the server cannot build (naming the line)
   */
  ImageBuild build(String name, Path context, ImageBuildOptions options, java.util.function.Consumer<ImageBuild.Event> progress);

  /** The build {@code id} of the image {@code name}, or empty when the server knows none. */
  Optional<ImageBuild> build(String name, String id);
}
