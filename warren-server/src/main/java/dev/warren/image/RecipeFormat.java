package dev.warren.image;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * Reads recipe files: {@code key = value} lines, {@code #} comments, {@code packages} may repeat and
 * adds up, {@code setup} names a sibling resource holding the setup script. The format is described
 * at the top of each shipped recipe. Built-in recipes live next to this class under
 * {@code recipes/}, listed one name a line in {@code recipes/index}.
 */
final class RecipeFormat {
  private static final String DIR = "recipes/";
  private static final Set<String> KEYS = Set.of("name", "description", "suite", "variant", "packages", "setup", "mirror");

  private RecipeFormat() {}

  /** The recipes shipped in the jar, in index order. */
  static List<Recipe> builtIn() {
    List<Recipe> recipes = new ArrayList<>();
    for (String line : resource("index").orElseThrow(() -> new ImageException("no recipe index in the jar")).split("\n")) {
      String name = line.strip();
      if (name.isEmpty() || name.startsWith("#")) {
        continue;
      }
      String file = name + ".recipe";
      String text = resource(file).orElseThrow(() -> new ImageException("recipe index names " + file + ", which is missing"));
      Recipe recipe = parse(file, text, RecipeFormat::resource);
      if (!recipe.name().equals(name)) {
        throw new ImageException("recipe " + file + " calls itself '" + recipe.name() + "'");
      }
      recipes.add(recipe);
    }
    return List.copyOf(recipes);
  }

  /**
   * @param source where the text came from, for error messages
   * @param siblings looks up the setup script a recipe names
   */
  static Recipe parse(String source, String text, Function<String, Optional<String>> siblings) {
    Map<String, String> fields = new HashMap<>();
    List<String> packages = new ArrayList<>();
    String[] lines = text.split("\n", -1);
    for (int i = 0; i < lines.length; i++) {
      String line = lines[i].strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      int eq = line.indexOf('=');
      String where = source + ":" + (i + 1);
      if (eq < 0) {
        throw new ImageException(where + ": expected key = value, got '" + line + "'");
      }
      String key = line.substring(0, eq).strip();
      String value = line.substring(eq + 1).strip();
      if (!KEYS.contains(key)) {
        throw new ImageException(where + ": unknown key '" + key + "'; known keys: " + String.join(", ", KEYS.stream().sorted().toList()));
      }
      if (key.equals("packages")) {
        for (String p : value.split(",")) {
          if (!p.isBlank()) {
            packages.add(p.strip());
          }
        }
      } else if (fields.putIfAbsent(key, value) != null) {
        throw new ImageException(where + ": '" + key + "' is set twice");
      }
    }
    for (String required : List.of("name", "description", "suite", "variant")) {
      if (!fields.containsKey(required)) {
        throw new ImageException(source + ": '" + required + "' is missing");
      }
    }
    String setup = "";
    if (fields.containsKey("setup")) {
      String script = fields.get("setup");
      setup = siblings.apply(script).orElseThrow(() -> new ImageException(source + ": setup script '" + script + "' not found"));
    }
    try {
      return Recipe.of(
          fields.get("name"),
          fields.get("description"),
          fields.get("suite"),
          fields.get("variant"),
          packages,
          setup,
          Optional.ofNullable(fields.get("mirror")));
    } catch (IllegalArgumentException e) {
      throw new ImageException(source + ": " + e.getMessage(), e);
    }
  }

  private static Optional<String> resource(String file) {
    if (!file.matches("[A-Za-z0-9][A-Za-z0-9._-]*")) {
      return Optional.empty();
    }
    try (InputStream in = RecipeFormat.class.getResourceAsStream(DIR + file)) {
      return in == null ? Optional.empty() : Optional.of(new String(in.readAllBytes(), StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new ImageException("cannot read recipe resource " + DIR + file, e);
    }
  }
}
