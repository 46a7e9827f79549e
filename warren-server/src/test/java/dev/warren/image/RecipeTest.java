package dev.warren.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class RecipeTest {

  private static Recipe recipe(List<String> packages, String setup, Optional<String> mirror) {
    return Recipe.of("demo", "a demo image", "bookworm", "minbase", packages, setup, mirror);
  }

  @Test
  void builtInRecipesParseAndHaveDigests() {
    List<Recipe> recipes = RecipeFormat.builtIn();

    assertThat(recipes).extracting(Recipe::name).containsExactly("base", "browser");
    assertThat(recipes).allSatisfy(r -> {
      assertThat(r.digest()).matches("sha256:[0-9a-f]{64}");
      assertThat(r.suite()).isEqualTo("bookworm");
      assertThat(r.variant()).isEqualTo("minbase");
      assertThat(r.mirror()).isEmpty();
      assertThat(r.setupScript()).contains("install -d -m 0755 /.warren /workspace");
    });
    Recipe base = recipes.get(0);
    Recipe browser = recipes.get(1);
    assertThat(base.packages())
        .contains("bash", "coreutils", "procps", "ca-certificates", "curl", "git", "python3", "tini", "util-linux", "iproute2", "jq");
    assertThat(browser.packages())
        .containsAll(base.packages())
        .contains("chromium", "dbus", "dbus-user-session", "xvfb", "x11vnc", "socat", "fonts-liberation");
    assertThat(browser.digest()).isNotEqualTo(base.digest());
  }

  @Test
  void digestChangesWhenAnyPartOfTheRecipeChanges() {
    Recipe recipe = recipe(List.of("bash", "curl"), "set -eu\ntrue\n", Optional.empty());

    assertThat(recipe(List.of("bash", "curl"), "set -eu\ntrue\n", Optional.empty()).digest()).isEqualTo(recipe.digest());
    assertThat(recipe(List.of("bash", "curl"), "set -eu\nfalse\n", Optional.empty()).digest()).isNotEqualTo(recipe.digest());
    assertThat(recipe(List.of("bash", "curl", "git"), "set -eu\ntrue\n", Optional.empty()).digest()).isNotEqualTo(recipe.digest());
    assertThat(recipe(List.of("bash", "curl"), "set -eu\ntrue\n", Optional.of("http://mirror.example/debian")).digest())
        .isNotEqualTo(recipe.digest());
    assertThat(Recipe.of("demo", "other words", "bookworm", "minbase", List.of("bash", "curl"), "set -eu\ntrue\n", Optional.empty()).digest())
        .isNotEqualTo(recipe.digest());
  }

  @Test
  void packageOrderAndRepeatsDoNotChangeTheDigest() {
    Recipe sorted = recipe(List.of("bash", "curl", "git"), "", Optional.empty());
    Recipe shuffled = recipe(List.of("git", "bash", "curl", "bash"), "", Optional.empty());

    assertThat(shuffled.packages()).containsExactly("bash", "curl", "git");
    assertThat(shuffled.digest()).isEqualTo(sorted.digest());
  }

  @Test
  void aDigestThatDoesNotMatchTheContentIsRefused() {
    Recipe recipe = recipe(List.of("bash"), "", Optional.empty());

    assertThat(new Recipe("demo", "a demo image", "bookworm", "minbase", List.of("bash"), "", recipe.digest())).isEqualTo(recipe);
    assertThatThrownBy(() -> new Recipe("demo", "a demo image", "bookworm", "minbase", List.of("bash", "git"), "", recipe.digest()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("does not match its content");
  }

  @Test
  void optionLikeOrOddValuesAreRefused() {
    assertThatThrownBy(() -> recipe(List.of("--no-check-gpg"), "", Optional.empty()))
        .hasMessageContaining("recipe package '--no-check-gpg' must match");
    assertThatThrownBy(() -> recipe(List.of("bash"), "", Optional.of("--foo")))
        .hasMessageContaining("recipe mirror '--foo'");
    assertThatThrownBy(() -> Recipe.of("../etc", "x", "bookworm", "minbase", List.of(), "", Optional.empty()))
        .hasMessageContaining("recipe name '../etc'");
  }

  @Test
  void parsesKeyValueLinesWithRepeatedPackagesAndASetupScript() {
    String text = """
        # a comment
        name = demo
        description = a demo image
        suite = bookworm
        variant = minbase
        packages = bash, curl
        packages = git
        setup = demo.setup.sh
        mirror = http://mirror.example/debian
        """;
    Recipe recipe = RecipeFormat.parse("demo.recipe", text, file -> Optional.ofNullable(Map.of("demo.setup.sh", "true\n").get(file)));

    assertThat(recipe).isEqualTo(recipe(List.of("bash", "curl", "git"), "true\n", Optional.of("http://mirror.example/debian")));
  }

  @Test
  void parseErrorsNameTheFileAndLine() {
    assertThatThrownBy(() -> RecipeFormat.parse("x.recipe", "name = x\nsize = 3\n", file -> Optional.empty()))
        .isInstanceOf(ImageException.class)
        .hasMessageStartingWith("x.recipe:2: unknown key 'size'");
    assertThatThrownBy(() -> RecipeFormat.parse("x.recipe", "name = x\nname = y\n", file -> Optional.empty()))
        .hasMessage("x.recipe:2: 'name' is set twice");
    assertThatThrownBy(() -> RecipeFormat.parse("x.recipe", "name = x\n", file -> Optional.empty()))
        .hasMessage("x.recipe: 'description' is missing");
    assertThatThrownBy(() -> RecipeFormat.parse(
            "x.recipe", "name = x\ndescription = d\nsuite = s\nvariant = v\nsetup = nope.sh\n", file -> Optional.empty()))
        .hasMessage("x.recipe: setup script 'nope.sh' not found");
  }
}
