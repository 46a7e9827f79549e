package dev.warren.security;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warren.testing.TestWarren;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What real workloads do keeps working under the restricted profile: packages with dpkg and apt,
 * Python packages with pip in a virtual environment, git, byte-compiling, threads and processes,
 * dropping to another user. Nothing here needs the network: packages are made in the test (the
 * pip wheel is the host's, Debian's python3-pip-whl).
 */
class HardenedWorkloadsTest {
  static TestWarren warren;
  static SandboxProbe probe;
  static String id;

  @BeforeAll
  static void start() {
    warren = TestWarren.start();
    probe = new SandboxProbe(warren);
    id = warren.createSandbox("{}");
  }

  @AfterAll
  static void stop() {
    if (warren != null) {
      warren.close();
    }
  }

  @Test
  void aPackageMadeInTheSandboxInstallsAndRemovesWithDpkgAndApt() {
    String make = """
        set -e
        mkdir -p /tmp/pkg/DEBIAN /tmp/pkg/usr/bin
        printf 'Package: warren-probe\\nVersion: 1.0\\nArchitecture: all\\nMaintainer: Warren <warren@example.invalid>\\nDescription: made in a sandbox\\n' > /tmp/pkg/DEBIAN/control
        printf '#!/bin/sh\\nset -e\\nid warren-probe >/dev/null 2>&1 || useradd --system --no-create-home warren-probe\\ninstall -d -o warren-probe /var/lib/warren-probe\\n' > /tmp/pkg/DEBIAN/postinst
        printf '#!/bin/sh\\necho probe-installed\\n' > /tmp/pkg/usr/bin/warren-probe
        chmod 755 /tmp/pkg/DEBIAN/postinst /tmp/pkg/usr/bin/warren-probe
        dpkg-deb --root-owner-group --build /tmp/pkg /tmp/warren-probe_1.0_all.deb >/dev/null
        """;
    assertThat(probe.run(id, make)).isEqualTo("exit=0");
    assertThat(probe.run(id, "dpkg -i /tmp/warren-probe_1.0_all.deb >/dev/null && warren-probe && stat -c %U /var/lib/warren-probe"))
        .isEqualTo("probe-installed\nwarren-probe\nexit=0");
    assertThat(probe.run(id, "dpkg -r warren-probe >/dev/null && (command -v warren-probe || echo removed)"))
        .isEqualTo("removed\nexit=0");
    // apt: installing a local file drops to the _apt user to fetch it; nothing needs the network
    assertThat(probe.run(id, "DEBIAN_FRONTEND=noninteractive apt-get install -y -q /tmp/warren-probe_1.0_all.deb >/tmp/apt.log 2>&1 "
        + "|| cat /tmp/apt.log; warren-probe; apt-get check -q >/dev/null && apt-cache policy warren-probe | grep -c Installed"))
        .isEqualTo("probe-installed\n1\nexit=0");
    assertThat(probe.run(id, "DEBIAN_FRONTEND=noninteractive apt-get purge -y -q warren-probe >/dev/null 2>&1; "
        + "command -v warren-probe; dpkg-query -W warren-probe 2>&1 | grep -c 'no packages found'"))
        .isEqualTo("1\nexit=0");
  }

  @Test
  void pipInstallsAWheelIntoAVirtualEnvironment() throws IOException {
    Path wheels = Path.of("/usr/share/python-wheels");
    List<Path> pip;
    try (var s = Files.list(wheels)) {
      pip = s.filter(p -> p.getFileName().toString().startsWith("pip-")).toList();
    } catch (java.nio.file.NoSuchFileException e) {
      pip = List.of();
    }
    assertThat(pip).as("the host's pip wheel (Debian package python3-pip-whl; ./warren test installs it)").hasSize(1);
    assertThat(warren.put("/v1/sandboxes/" + id + "/files?path=/tmp/wheels/" + pip.getFirst().getFileName(),
        Files.readAllBytes(pip.getFirst())).status()).isBetween(200, 204);
    String wheel = """
        import base64, hashlib, zipfile
        files = {"warren_probe/__init__.py": "def hello():\\n    return 'hello from a wheel'\\n",
                 "warren_probe-1.0.dist-info/METADATA": "Metadata-Version: 2.1\\nName: warren-probe\\nVersion: 1.0\\n",
                 "warren_probe-1.0.dist-info/WHEEL": "Wheel-Version: 1.0\\nGenerator: warren-test\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n"}
        record = ""
        with zipfile.ZipFile("/tmp/wheels/warren_probe-1.0-py3-none-any.whl", "w") as z:
            for name, text in files.items():
                z.writestr(name, text)
                digest = base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=").decode()
                record += f"{name},sha256={digest},{len(text)}\\n"
            z.writestr("warren_probe-1.0.dist-info/RECORD", record + "warren_probe-1.0.dist-info/RECORD,,\\n")
        """;
    assertThat(warren.put("/v1/sandboxes/" + id + "/files?path=/tmp/make_wheel.py", wheel.getBytes()).status()).isBetween(200, 204);
    String install = "set -e; python3 /tmp/make_wheel.py; python3 -m venv --without-pip /tmp/venv; "
        + "/tmp/venv/bin/python $(ls /tmp/wheels/pip-*.whl)/pip install -q --no-index --find-links /tmp/wheels pip warren-probe; "
        + "/tmp/venv/bin/pip --version | cut -d' ' -f1; /tmp/venv/bin/python -c 'import warren_probe; print(warren_probe.hello())'; "
        + "/tmp/venv/bin/pip uninstall -q -y warren-probe; /tmp/venv/bin/python -c 'import warren_probe' 2>&1 | grep -c ModuleNotFoundError";
    assertThat(probe.run(id, install)).isEqualTo("pip\nhello from a wheel\n1\nexit=0");
  }

  @Test
  void gitInitCommitsAndClonesALocalRepository() {
    String git = "set -e; git config --global user.email t@example.invalid; git config --global user.name t; "
        + "git init -q /tmp/repo; cd /tmp/repo; echo one > a; git add a; git commit -qm one; echo two >> a; git commit -qam two; "
        + "git clone -q /tmp/repo /tmp/clone; git clone -q file:///tmp/repo /tmp/clone2; git -C /tmp/clone2 log --format=%s; "
        + "git gc -q; git fsck --no-progress; cat /tmp/clone/a";
    assertThat(probe.run(id, git)).isEqualTo("two\none\none\ntwo\nexit=0");
  }

  @Test
  void everydayToolsWork() {
    String tools = "set -e; printf 'print(6 * 7)\\n' > /tmp/m.py; python3 -m py_compile /tmp/m.py; python3 /tmp/__pycache__/m.cpython-*.pyc; "
        + "python3 -c 'import multiprocessing as m; p = m.Pool(2); print(sum(p.map(abs, [-1, -2]))); p.close()'; "
        + "runuser -u nobody -- id -un; setpriv --reuid 65534 --regid 65534 --clear-groups id -u; "
        + "nice -n 5 true; taskset -c 0 true; ionice -c 3 true; flock /tmp/lock true; timeout 1 sleep 5 || echo timeout=$?; "
        + "ps -eo comm= | grep -c tini; ip -o link show lo | cut -d: -f2 | tr -d ' '; ulimit -n";
    String out = probe.run(id, tools);
    assertThat(out).startsWith("42\n3\nnobody\n65534\ntimeout=124\n1\nlo\n").endsWith("exit=0");
  }
}
