package dev.warren.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/** Sandboxes laid out and stored as an older Warren left them, for the tests of what a newer one does with them. */
public final class LegacySandboxes {
  private LegacySandboxes() {}

  /**
   * Makes the sandbox {@code id} (stopped here, and its controller with it) one from before disk
   * limits: its disk image removed, {@code upper/} and {@code work/} beside its root filesystem,
   * {@code upper/workspace} and {@code files} (paths under {@code upper/}, with their text) owned by
   * its root {@code rootUid}, and no disk in its stored limits. The controller is started again;
   * the sandbox is left stopped.
   */
  public static void withoutADisk(TestWarren w, String id, int rootUid, Map<String, String> files) throws IOException, SQLException {
    w.post("/v1/sandboxes/" + id + "/stop", null);
    w.stopProcess(false);
    Path d = w.dataDir().resolve("sandboxes").resolve(id);
    Files.delete(d.resolve("disk.img"));
    Files.deleteIfExists(d.resolve("disk.dev"));
    Files.createDirectories(d.resolve("work"));
    Files.createDirectories(d.resolve("upper/workspace"));
    List<Path> owned = new ArrayList<>(List.of(d.resolve("upper"), d.resolve("upper/workspace")));
    for (Map.Entry<String, String> f : files.entrySet()) {
      owned.add(Files.writeString(d.resolve("upper").resolve(f.getKey()), f.getValue()));
    }
    for (Path p : owned) {
      Files.setAttribute(p, "unix:uid", rootUid);
      Files.setAttribute(p, "unix:gid", rootUid);
    }
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + w.dataDir().resolve("warren.db"))) {
      String spec;
      try (PreparedStatement q = c.prepareStatement("SELECT spec FROM sandboxes WHERE id = ?")) {
        q.setString(1, id);
        try (ResultSet rs = q.executeQuery()) {
          rs.next();
          spec = rs.getString(1);
        }
      }
      ObjectNode n = (ObjectNode) JsonMapper.builder().build().readTree(spec);
      ((ObjectNode) n.path("limits")).remove("diskMb");
      ((ObjectNode) n.path("limits")).remove("diskInodes");
      try (PreparedStatement u = c.prepareStatement("UPDATE sandboxes SET spec = ? WHERE id = ?")) {
        u.setString(1, n.toString());
        u.setString(2, id);
        u.executeUpdate();
      }
    }
    w.relaunch();
  }
}
