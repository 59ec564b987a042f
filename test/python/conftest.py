"""Import the buildpack's Python core and its vendored libraries as bin/compile does; the one local
HTTP server the tests that talk to a mirror, an index or a web page use (local_server); real
environments (make_venv) and wheels (make_wheel) for the tests of the install's decisions."""

from __future__ import annotations

import atexit
import base64
import shutil
import subprocess
import sys
import tempfile
import threading
import zipfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SBOM_WHEELS = (
    "cyclonedx_python_lib-",
    "packageurl_python-",
    "py_serializable-",
    "sortedcontainers-",
    "license_expression-",
    "boolean_py-",
    "defusedxml-",
    "typing_extensions-",
)
sys.path.insert(0, str(ROOT / "lib"))
for wheel in sorted((ROOT / "vendor" / "wheels").glob("*.whl")):
    if wheel.name.startswith(("packaging-", "tomli-", "installer-")):
        sys.path.insert(1, str(wheel))
# The bill of materials' cyclonedx-python-lib and what it imports, unpacked as lib/core.sh unpacks
# the core's wheels (it reads its data files from the file system, not from a zip).
_UNPACKED = Path(tempfile.mkdtemp(prefix="pybuildpack-vendor-"))
atexit.register(shutil.rmtree, _UNPACKED, True)
for wheel in sorted((ROOT / "vendor" / "wheels").glob("*.whl")):
    if wheel.name.startswith(SBOM_WHEELS):
        with zipfile.ZipFile(wheel) as archive:
            archive.extractall(_UNPACKED)
sys.path.insert(1, str(_UNPACKED))

# A page: its body (200, text/html), or (status, headers, body).
Answer = bytes | tuple[int, Mapping[str, str], bytes]
Pages = Mapping[str, Answer] | Callable[[str], Answer | None]


@pytest.fixture(autouse=True)
def _a_build_per_test() -> Iterator[None]:
    """Each test is a build of its own: what an earlier one learned of indexes (an unreachable one
    named in pip's failure summary) does not reach it."""
    from pybuildpack.index import client

    client.forget()
    yield
    client.forget()


@dataclass
class LocalServer:
    """A real HTTP/1.1 server on 127.0.0.1, in a thread: pages first (by the requested path, as
    sent: a proxy's request is the whole URL), then the files under root; with auth, a request
    without those Basic credentials gets 401. It records every request and connection."""

    root: Path | None = None
    pages: Pages = field(default_factory=dict)
    auth: tuple[str, str] | None = None
    requests: list[tuple[str, str | None]] = field(default_factory=list)  # (path, Authorization)
    connections: int = 0

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        handler = partial(_Handler, self, directory=str(self.root or ROOT / "nonexistent"))
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.05,), daemon=True)
        self._thread.start()

    @property
    def port(self) -> int:
        return int(self._httpd.server_address[1])

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        return f"http://{self.host}"

    @property
    def paths(self) -> list[str]:
        """The paths asked for, in order."""
        with self._lock:
            return [path for path, _auth in self.requests]

    def clear(self) -> None:
        with self._lock:
            self.requests.clear()
            self.connections = 0

    def answer(self, path: str) -> Answer | None:
        return self.pages(path) if callable(self.pages) else self.pages.get(path)

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join()


class _Handler(SimpleHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # connections kept open, as an index's are

    def __init__(self, server: LocalServer, *args: object, **kwargs: object) -> None:
        self.local = server
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]

    def setup(self) -> None:
        super().setup()
        with self.local._lock:
            self.local.connections += 1

    def do_GET(self) -> None:
        given = self.headers.get("Authorization")
        with self.local._lock:
            self.local.requests.append((self.path, given))
        auth = self.local.auth
        if auth is not None and given != "Basic " + base64.b64encode(":".join(auth).encode()).decode():
            self._send(401, {"WWW-Authenticate": 'Basic realm="local"'}, b"")
            return
        answer = self.local.answer(self.path)
        if answer is not None:
            self._send(
                *(answer if isinstance(answer, tuple) else (200, {"Content-Type": "text/html"}, answer))
            )
        elif self.local.root is not None:
            super().do_GET()
        else:
            self._send(404, {}, b"not found\n")

    def _send(self, status: int, headers: Mapping[str, str], body: bytes) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def local_server() -> Iterator[Callable[..., LocalServer]]:
    """Starts LocalServer(root=..., pages=..., auth=...) servers, each stopped when the test ends."""
    started: list[LocalServer] = []

    def start(
        root: Path | None = None, pages: Pages | None = None, auth: tuple[str, str] | None = None
    ) -> LocalServer:
        server = LocalServer(root, pages if pages is not None else {}, auth)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


def make_wheel(
    directory: Path,
    name: str,
    version: str,
    files: Mapping[str, str] | None = None,
    metadata: Sequence[str] = (),
) -> Path:
    """A pure-Python wheel of name at version (a module of the name, unless files says otherwise;
    metadata: more METADATA lines, such as "Requires-Dist: x")."""
    directory.mkdir(parents=True, exist_ok=True)
    wheel = directory / f"{name}-{version}-py3-none-any.whl"
    info = f"{name}-{version}.dist-info"
    contents = {
        **(files if files is not None else {f"{name}.py": f"VERSION = {version!r}\n"}),
        f"{info}/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
        + "".join(f"{line}\n" for line in metadata),
        f"{info}/WHEEL": "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    }
    with zipfile.ZipFile(wheel, "w") as archive:
        for path, text in contents.items():
            archive.writestr(path, text)
        archive.writestr(f"{info}/RECORD", "".join(f"{p},,\n" for p in contents) + f"{info}/RECORD,,\n")
    return wheel


def make_venv(env: Path, wheels: Sequence[Path] = ()) -> Path:
    """A real virtual environment (venv, of the interpreter running the tests), with wheels
    installed by the build's own seeding (environment/install.py's seed_environment)."""
    from pybuildpack.environment.install import seed_environment

    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(env)], check=True)
    seed_environment(env, list(wheels))
    return env


def seed_wheels() -> list[Path]:
    """What every environment the build makes is seeded with (pip, setuptools, wheel, packaging)."""
    return sorted((ROOT / "vendor" / "seed").glob("*.whl"))


def simple_index(root: Path, distributions: Sequence[Path]) -> Path:
    """A simple index (PEP 503) of distributions (wheels, sdists) under root: root/NAME/ lists
    NAME's files."""
    for path in distributions:
        project = root / path.name.split("-")[0].replace("_", "-").lower()
        project.mkdir(parents=True, exist_ok=True)
        (project / path.name).write_bytes(path.read_bytes())
        listed = sorted(f.name for f in project.iterdir() if f.name != "index.html")
        (project / "index.html").write_text("".join(f'<a href="{name}">{name}</a>\n' for name in listed))
    return root
