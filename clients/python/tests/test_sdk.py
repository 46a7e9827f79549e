"""The Python SDK against a real Warren: WARREN_URL and WARREN_TOKEN (WarrenClientsTest sets them)."""
import os
import time
import unittest
import urllib.error
import urllib.request
import uuid

from warren import ConflictError, InvalidInputError, NotFoundError, UnauthorizedError, Warren

from .png import read_png

PAGE = "data:text/html," + "<title>py</title><h1 id=h>hello</h1><input id=q><button id=go onclick=\"h.textContent=q.value\">go</button>"


class WarrenTest(unittest.TestCase):
    """One client per test class, on WARREN_URL with WARREN_TOKEN."""

    @classmethod
    def setUpClass(cls):
        cls.w = Warren(os.environ["WARREN_URL"], os.environ["WARREN_TOKEN"])

    @classmethod
    def tearDownClass(cls):
        cls.w.close()


class SandboxTest(WarrenTest):
    def test_a_sandbox_runs_commands_holds_files_and_is_deleted_with_its_handle(self):
        label = str(uuid.uuid4())
        with self.w.sandboxes.create(labels={"test": label}, memory_mb=256, env={"GREETING": "hi"}, runtime="crun") as sbx:
            self.assertRegex(sbx.id, r"^sbx_[0-9a-z]{26}$")
            self.assertEqual(sbx.info.state, "running")
            self.assertEqual((sbx.info.runtime, sbx.info.accel), ("crun", None))
            self.assertEqual(sbx.info.limits["memoryMb"], 256)
            self.assertIsNotNone(sbx.info.created_at.tzinfo)
            r = sbx.exec("echo $GREETING from $(hostname); echo oops >&2; exit 3")
            self.assertEqual((r.exit_code, r.stdout, r.stderr, r.ok), (3, f"hi from {sbx.id}\n", "oops\n", False))
            self.assertEqual(sbx.exec(["printf", "%s|", "a b", "c"]).stdout, "a b|c|")
            sbx.files.write("/work/notes.txt", "hello ✓", mode=0o600)
            self.assertEqual(sbx.files.read_text("/work/notes.txt"), "hello ✓")
            [entry] = sbx.files.list("/work")
            self.assertEqual((entry.name, entry.type, entry.size, entry.mode), ("notes.txt", "file", 9, "0600"))
            self.assertEqual([s.id for s in self.w.sandboxes.list(labels={"test": label})], [sbx.id])
            with self.assertRaises(NotFoundError) as e:
                sbx.files.read("/no/such/file")
            self.assertIn("/no/such/file", e.exception.detail)
            sid = sbx.id
        self.assertIsNone(self.w.sandboxes.get(sid))
        self.assertFalse(self.w.sandboxes.delete(sid))

    def test_a_paused_sandbox_stands_still_until_its_next_exec_resumes_it(self):
        with self.w.sandboxes.create(idle_action="pause", paused_timeout=600) as sbx:
            self.assertEqual((sbx.info.raw["idleAction"], sbx.info.raw["pausedTimeoutSeconds"]), ("pause", 600))
            sbx.exec("echo kept > /tmp/n")
            self.assertEqual(sbx.pause().state, "paused")
            self.assertEqual(self.w.sandboxes.get(sbx.id).info.state, "paused")
            self.assertEqual(sbx.pause().state, "paused")
            r = sbx.exec("cat /tmp/n")
            self.assertEqual((r.stdout, r.resumed), ("kept\n", True))
            self.assertEqual(self.w.sandboxes.get(sbx.id).info.state, "running")
            self.assertFalse(sbx.exec("true").resumed)
            sbx.pause()
            self.assertEqual(sbx.resume().state, "running")
            sbx.stop()
            with self.assertRaises(ConflictError) as e:
                sbx.pause()
            self.assertIn("start it first", e.exception.detail)
        with self.assertRaises(InvalidInputError) as e:
            self.w.sandboxes.create(idle_action="sleep")
        self.assertIn("idleAction", e.exception.detail)

    def test_a_snapshot_starts_sandboxes_and_forks_go_their_own_way(self):
        name = "py-" + uuid.uuid4().hex[:12]
        with self.w.sandboxes.create() as sbx:
            sbx.exec("echo v1 > /tmp/f")
            snap = sbx.snapshot(name=name)
            self.assertRegex(snap["id"], r"^snap_")
            self.assertEqual((snap["name"], snap["memory"], snap["depth"]), (name, False, 1))
            a, b = sbx.fork(2, labels={"try": "py"})
            with a, b:
                self.assertEqual(a.info.labels["try"], "py")
                a.exec("echo a > /tmp/f")
                self.assertEqual((a.exec("cat /tmp/f").stdout, b.exec("cat /tmp/f").stdout), ("a\n", "v1\n"))
        with self.w.sandboxes.create(snapshot=name) as copy:
            self.assertEqual(copy.exec("cat /tmp/f").stdout, "v1\n")
            self.assertEqual(copy.info.raw["snapshot"], snap["id"])
            with self.assertRaises(ConflictError):
                self.w.snapshots.delete(name)
        self.assertEqual(self.w.snapshots.get(name)["id"], snap["id"])
        self.assertIn(snap["id"], [s["id"] for s in self.w.snapshots.list()])
        self.assertTrue(self.w.snapshots.delete(name))
        self.assertFalse(self.w.snapshots.delete(name))
        with self.assertRaises(InvalidInputError) as e:
            self.w.sandboxes.create(snapshot=name)
        self.assertIn("snapshot", e.exception.detail)
        with self.w.sandboxes.create() as sbx, self.assertRaises(InvalidInputError) as e:
            sbx.fork(0)
        self.assertIn("count", e.exception.detail)
    def test_a_volume_keeps_files_across_sandboxes_and_has_one_writer(self):
        name = "py-" + uuid.uuid4().hex[:12]
        self.assertEqual(self.w.volumes.create(name, 32)["sizeMb"], 32)
        with self.w.sandboxes.create(volumes=[{"name": name, "path": "/v"}]) as sbx:
            sbx.exec("echo kept > /v/f")
            self.assertEqual([h["sandboxId"] for h in self.w.volumes.get(name)["mountedBy"]], [sbx.id])
            self.assertEqual(sbx.refresh().volumes, [{"name": name, "path": "/v", "readOnly": False}])
            with self.assertRaises(ConflictError):
                self.w.sandboxes.create(volumes=[{"name": name, "path": "/v"}])
            with self.assertRaises(ConflictError):
                self.w.volumes.delete(name)
        with self.w.sandboxes.create(volumes=[{"name": name, "path": "/data", "readOnly": True}]) as sbx:
            self.assertEqual(sbx.exec("cat /data/f").stdout, "kept\n")
        with self.assertRaises(InvalidInputError) as e:
            self.w.sandboxes.create(volumes=[{"name": name, "path": "/proc"}])
        self.assertEqual(e.exception.field, "volumes[0].path")
        self.assertIn(name, [v["name"] for v in self.w.volumes.list()])
        self.assertTrue(self.w.volumes.delete(name))
        self.assertIsNone(self.w.volumes.get(name))
        self.assertFalse(self.w.volumes.delete(name))

    def test_a_session_keeps_its_state_and_streams_output(self):
        with self.w.sandboxes.create() as sbx, sbx.sessions.create(cwd="/tmp") as sh:
            sh.run("mkdir -p a && cd a && export X=42")
            r = sh.run("pwd; echo $X")
            self.assertEqual((r.state, r.exit_code, r.stdout), ("finished", 0, "/tmp/a\n42\n"))
            job = sh.start("for i in 1 2 3; do echo tick-$i; sleep 0.2; done")
            self.assertEqual(b"".join(job.follow()), b"tick-1\ntick-2\ntick-3\n")
            self.assertEqual(job.output(offset=7), b"tick-2\ntick-3\n")
            self.assertTrue(job.wait(30).ok)

    def test_a_preview_url_opens_a_port_until_revoked(self):
        with self.w.sandboxes.create() as sbx:
            sbx.exec("mkdir -p /tmp/site && echo previewed > /tmp/site/index.html && cd /tmp/site && "
                     "(nohup python3 -m http.server 8000 >/dev/null 2>&1 &) && echo started")
            minted = sbx.mint_preview_url(8000, access="public", ttl=300)
            self.assertEqual((minted["port"], minted["access"], minted["sandboxId"]), (8000, "public", sbx.id))
            body, deadline = None, time.monotonic() + 30
            while body is None and time.monotonic() < deadline:
                try:
                    with urllib.request.urlopen(minted["url"], timeout=30) as r:
                        body = r.read().decode()
                except urllib.error.HTTPError as e:
                    self.assertEqual(e.code, 502)
                    time.sleep(0.2)
            self.assertIn("previewed", body)
            listed = [p for p in sbx.ports() if p["port"] == 8000]
            self.assertEqual([(p["path"], p["warren"]) for p in listed], [(f"/v1/sandboxes/{sbx.id}/ports/8000/", False)])
            self.assertEqual([u["id"] for u in sbx.preview_urls(8000)], [minted["id"]])
            self.assertTrue(sbx.revoke_preview_url(8000, minted["id"]))
            with self.assertRaises(urllib.error.HTTPError) as e:
                urllib.request.urlopen(minted["url"], timeout=30)
            self.assertEqual(e.exception.code, 404)
            self.assertFalse(sbx.revoke_preview_url(8000, minted["id"]))
            with self.assertRaises(InvalidInputError) as bad:
                sbx.mint_preview_url(8000, access="everyone")
            self.assertEqual(bad.exception.field, "access")

    def test_a_sandbox_created_with_reach_to_another_shows_it_and_a_bad_entry_names_the_field(self):
        with self.w.sandboxes.create() as app, self.w.sandboxes.create(reach=[app.id + ":8000"]) as caller:
            self.assertEqual(caller.info.reach, [app.id + ":8000"])
            self.assertEqual(self.w.sandboxes.get(caller.id).info.reach, [app.id + ":8000"])
            self.assertEqual(caller.info.raw["egress"]["allow"], [])
            self.assertEqual(app.info.reach, [])
            with self.assertRaises(InvalidInputError) as bad:
                self.w.sandboxes.create(reach=["10.0.0.1:80"])
            self.assertEqual(bad.exception.field, "egress.reach")

    def test_bad_input_and_a_bad_token_are_typed_errors_with_the_problem(self):
        with self.assertRaises(InvalidInputError) as e:
            self.w.sandboxes.create(memory_mb=1)
        self.assertEqual(e.exception.status, 400)
        self.assertEqual(e.exception.field, "limits.memoryMb")
        self.assertIn("limits.memoryMb", str(e.exception))
        with self.assertRaises(InvalidInputError) as e:
            self.w.sandboxes.create(runtime="firecracker")
        self.assertEqual((e.exception.status, e.exception.field), (400, "runtime"))
        self.assertIn("microvm", str(e.exception))
        with Warren(os.environ["WARREN_URL"], "not-the-token") as bad, self.assertRaises(UnauthorizedError):
            bad.sandboxes.list()
        self.assertTrue(self.w.ping())
        self.assertEqual(self.w.health()["status"], "ready")


def docker_save(path: str, tag: str, files: dict) -> None:
    """A ``docker save`` tarball of one layer holding ``files`` (name -> bytes), written to ``path``."""
    import hashlib
    import io
    import json
    import tarfile

    def add(tar: tarfile.TarFile, name: str, data: bytes) -> None:
        info = tarfile.TarInfo(name)
        info.size, info.mtime = len(data), 1700000000
        tar.addfile(info, io.BytesIO(data))

    layer = io.BytesIO()
    with tarfile.open(fileobj=layer, mode="w", format=tarfile.PAX_FORMAT) as t:
        for name, data in files.items():
            add(t, name, data)
    diff_id = hashlib.sha256(layer.getvalue()).hexdigest()
    config = json.dumps({"architecture": "amd64", "os": "linux", "config": {"Env": ["FROM_IMAGE=yes"], "WorkingDir": "/data"},
                         "rootfs": {"type": "layers", "diff_ids": ["sha256:" + diff_id]}}).encode()
    config_hex = hashlib.sha256(config).hexdigest()
    manifest = json.dumps([{"Config": config_hex + ".json", "RepoTags": [tag], "Layers": [diff_id + "/layer.tar"]}]).encode()
    with tarfile.open(path, mode="w") as out:
        add(out, config_hex + ".json", config)
        add(out, diff_id + "/layer.tar", layer.getvalue())
        add(out, "manifest.json", manifest)


class ImageTest(WarrenTest):
    def test_a_dockerfile_builds_with_its_progress_reported_and_a_failing_run_says_why(self):
        import tempfile
        name = f"py/built-{uuid.uuid4().hex[:8]}:1"
        events = []
        with tempfile.TemporaryDirectory() as d:
            with open(os.path.join(d, "Dockerfile"), "w") as f:
                f.write("FROM base\nARG WHO=nobody\nCOPY hello.txt /srv/\nRUN echo \"hi $WHO\" >> /srv/hello.txt\nWORKDIR /srv\n")
            with open(os.path.join(d, "hello.txt"), "w") as f:
                f.write("hello\n")
            built = self.w.images.build(name, d, build_args={"WHO": "py"}, progress=lambda e, data: events.append((e, data)))
            try:
                self.assertEqual(built["state"], "succeeded", built)
                self.assertEqual(self.w.images.get(name)["digest"], built["digest"])
                self.assertEqual(self.w.images.get(name)["config"]["workingDir"], "/srv")
                self.assertIn(("step", 4, "done"), [(e, x.get("number"), x.get("status")) for e, x in events if e == "step"])
                with self.w.sandboxes.create(image=name) as s:
                    self.assertEqual(s.exec("cat hello.txt").stdout, "hello\nhi py\n")
                with open(os.path.join(d, "Dockerfile"), "w") as f:
                    f.write("FROM base\nRUN echo going-wrong; exit 5\n")
                failed = self.w.images.build(name + "-broken", d)
                self.assertEqual(failed["state"], "failed")
                self.assertEqual(failed["steps"][1]["exitCode"], 5)
                self.assertIn("going-wrong", failed["steps"][1]["output"])
                with open(os.path.join(d, "Dockerfile"), "w") as f:
                    f.write("FROM base\nEXPOSE 80\n")
                with self.assertRaises(InvalidInputError) as bad:
                    self.w.images.build(name, d)
                self.assertIn("line 2", str(bad.exception))
            finally:
                self.w.images.delete(name)


    def test_an_imported_image_is_listed_exported_imported_again_to_the_same_digest_and_deleted(self):
        import tempfile
        name, again = f"py/tools-{uuid.uuid4().hex[:8]}:1", f"py/again-{uuid.uuid4().hex[:8]}:2"
        with tempfile.TemporaryDirectory() as d:
            archive, exported = os.path.join(d, "in.tar"), os.path.join(d, "out.tar")
            docker_save(archive, "x:1", {"etc/greeting": b"hello from an image\n"})
            image = self.w.images.import_image(archive, name)
            try:
                self.assertEqual(image["name"], name)
                self.assertEqual(image["kind"], "user")
                self.assertTrue(image["digest"].startswith("sha256:"))
                self.assertEqual(len(image["layers"]), 1)
                self.assertEqual(image["config"]["env"]["FROM_IMAGE"], "yes")
                self.assertEqual(self.w.images.get(name)["digest"], image["digest"])
                names = [i["name"] for i in self.w.images.list()]
                self.assertIn("base", names)
                self.assertIn(name, names)
                self.assertGreater(self.w.images.export(name, exported), 0)
                self.assertEqual(self.w.images.import_image(exported, again)["digest"], image["digest"])
                self.assertTrue(self.w.images.delete(again))
            finally:
                self.w.images.delete(name)
        self.assertIsNone(self.w.images.get(name))
        self.assertFalse(self.w.images.delete(name))
        with self.assertRaises(NotFoundError):
            self.w.images.export(name, os.path.join(tempfile.gettempdir(), "never.tar"))
        with self.assertRaises(InvalidInputError) as bad, tempfile.NamedTemporaryFile(suffix=".tar") as f:
            docker_save(f.name, "x:1", {"a": b"b"})
            self.w.images.import_image(f.name, "Not A Name")
        self.assertEqual(bad.exception.field, "name")


class BrowserTest(WarrenTest):
    def test_a_keyed_browser_is_reused_and_its_actions_drive_the_page(self):
        key = f"py-{uuid.uuid4()}"
        with self.w.browsers.create(key=key) as b:
            self.assertFalse(b.reused)
            self.assertTrue(b.cdp_url.startswith("ws://") and "token=wst." in b.cdp_url)
            self.assertIn("?token=", b.info.cdp_discovery_url)
            self.assertNotIn("token", repr(b.info))
            again = self.w.browsers.create(key=key)
            self.assertTrue(again.reused)
            self.assertEqual(again.id, b.id)
            self.assertEqual(b.actions.navigate(PAGE)["title"], "py")
            b.actions.type("typed from python", selector="#q")
            b.actions.click("#go")
            self.assertEqual(b.actions.text().splitlines()[0], "typed from python")
            self.assertEqual(b.actions.evaluate("6 * 7"), 42)
            self.assertEqual(b.info.idle_action, "close")
            self.assertTrue(b.pause().paused)
            # an action resumes the paused browser first
            self.assertEqual(b.actions.evaluate("6 * 7"), 42)
            self.assertFalse(b.refresh().paused)
            self.assertEqual(b.actions.screenshot()[1:4], b"PNG")
            with self.assertRaises(ConflictError):
                b.actions.click("#nope", timeout=1)
            self.assertTrue(b.devtools_root().startswith("http://127.0.0.1:"))
            h = b.handoff("log in, please")
            self.assertEqual(h.state, "waiting")
            h.complete()
            self.assertEqual(h.wait(5).state, "done")
            bid = b.id
        self.assertEqual(self.w.browsers.get(bid).info.state, "closed")

    def test_the_upload_action_fills_a_file_input_and_downloads_are_listed_and_fetched(self):
        with self.w.browsers.create() as b:
            b.actions.navigate("data:text/html,<input id=f type=file onchange=\"document.title = this.files[0].name + ':' + this.files[0].size\">")
            up = b.actions.upload("#f", name="py.txt", content=b"from python")
            self.assertEqual(up["size"], 11)
            self.assertEqual(b.actions.evaluate("document.title"), "py.txt:11")
            self.assertEqual(b.actions.upload("#f", path=up["path"])["name"], "py.txt")
            self.assertEqual(b.downloads(), [])
            # a file in the downloads directory is listed even when no download event named it
            self.w.sandboxes.attach(b.info.sandbox_id).files.write("/var/lib/warren/browser/downloads/placed.bin", b"\x01\x02\x03")
            self.assertEqual([(d["name"], d["size"], d["state"]) for d in b.downloads()], [("placed.bin", 3, "complete")])
            self.assertEqual(b.download("placed.bin"), b"\x01\x02\x03")
            with self.assertRaises(NotFoundError):
                b.download("missing.bin")


# a button at 50,50 200x100 that turns the page red
BUTTON_PAGE = ("data:text/html,<body style='margin:0;background:%23fff'><button style='position:absolute;left:50px;top:50px;width:200px;"
               "height:100px' onclick=\"document.body.style.background='%23f00'\">Press</button></body>")


class ComputerTest(WarrenTest):
    def test_a_click_by_coordinates_changes_the_pages_next_screenshot(self):
        with self.w.browsers.create(width=640, height=360) as b:
            b.actions.navigate(BUTTON_PAGE)
            page = b.computer()
            before = read_png(page.screenshot())
            self.assertEqual((before.width, before.height, before.rgb(10, 10)), (640, 360, 0xFFFFFF))
            page.click(150, 100)
            page.wait(100)
            self.assertEqual(read_png(page.screenshot()).rgb(10, 10), 0xFF0000)
            self.assertEqual(page.cursor_position(), (150, 100))
            half = page.scaled_to(320, 180)
            self.assertEqual(read_png(half.screenshot())[:2], (320, 180))
            self.assertEqual(half.cursor_position(), (75, 50))
            with self.assertRaises(InvalidInputError) as e:
                page.click(5000, 10)
            self.assertEqual(e.exception.field, "actions[0].x")

    def test_a_desktop_sandbox_answers_a_screenshot_of_its_display(self):
        with self.w.sandboxes.create(image="browser", desktop=(320, 240)) as sbx:
            self.assertEqual((sbx.info.raw["desktop"]["width"], sbx.info.raw["desktop"]["height"]), (320, 240))
            shot = read_png(sbx.desktop().screenshot())
            self.assertEqual((shot.width, shot.height), (320, 240))


if __name__ == "__main__":
    unittest.main()
