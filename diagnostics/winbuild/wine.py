"""Build and run the Windows agent on Linux: wine, a verified Windows Python 3.8, PyInstaller.

    python3 diagnostics/winbuild/wine.py build [--server URL]   -> dist/helpdesk-agent.exe
    python3 diagnostics/winbuild/wine.py test-suite             tests/agent under Windows Python
    python3 diagnostics/winbuild/wine.py exe -- ARGS...         run the exe under wine
    python3 diagnostics/winbuild/wine.py lock                   re-pin requirements-windows.txt

Everything lives in a private wine prefix under build/agent-windows/ (the user's own prefix and
home are never touched). The interpreter is python.org's Windows CPython 3.8.10 embeddable
distribution, downloaded by the host's pip with its hash (interpreter.txt) and checked file by
file (python38.sha256); the build's packages are installed by that Windows Python's own pip from
diagnostics/requirements-windows.txt with --require-hashes.

Two wine quirks shape the runs: a Windows Python dies at start-up when its stdout or stderr is a
regular Unix file, so every run here goes through pipes; and a new prefix links Desktop and
Documents to $HOME, so they are made real folders (the agent saves its report on the Desktop).
Standard library only; runs with the host's Python 3.8 or newer.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess  # nosec B404 - runs wine and pip with arguments built here
import sys
import tempfile
import time
import zipfile
from typing import Sequence

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
BUILD = os.path.join(ROOT, "build", "agent-windows")
PREFIX = os.path.join(BUILD, "prefix")
PYTHON_DIR = os.path.join(PREFIX, "drive_c", "python38")
DIST = os.path.join(ROOT, "dist")
EXE = os.path.join(DIST, "helpdesk-agent.exe")
INTERPRETER = os.path.join(HERE, "interpreter.txt")
PYTHON_HASHES = os.path.join(HERE, "python38.sha256")
REQUIREMENTS = os.path.join(ROOT, "diagnostics", "requirements-windows.txt")
REQUIREMENTS_IN = os.path.join(HERE, "requirements-windows.in")
#: Inside the wheel: python.org's embeddable distribution.
WHEEL_FOLDER = "QPT_SDK/QEnvPython/python38/"
WINE_CANDIDATES = ("/usr/lib/wine/wine64", "/usr/lib64/wine/wine64", "wine64", "wine")
#: Folders a new prefix links to $HOME; the agent must find a real Desktop there.
HOST_CA_BUNDLE = "/etc/ssl/certs/ca-certificates.crt"
LINKED_FOLDERS = ("Desktop", "Documents", "Downloads", "Music", "Pictures", "Videos")


class BuildError(Exception):
    """A step of the build failed; the message says which and why."""


def log(message: str) -> None:
    print("agent-windows: " + message, flush=True)


def sha256_of(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def windows_path(path: str) -> str:
    """The path as the Windows programs in the prefix see it (drive Z: is the Unix root)."""
    return "Z:" + os.path.abspath(path).replace("/", "\\")


def wine_loader() -> str:
    """The 64-bit wine loader (Debian: /usr/lib/wine/wine64); $WINE overrides it."""
    configured = os.environ.get("WINE")
    for candidate in ((configured,) if configured else ()) + WINE_CANDIDATES:
        found = shutil.which(candidate)
        if found:
            return found
    raise BuildError("wine is not installed: apt-get install --no-install-recommends wine wine64")


def wine_env(lang: str = "C.UTF-8", extra: dict[str, str] | None = None) -> dict[str, str]:
    """A clean environment: this prefix, no host pip or Python settings, a chosen locale.

    Wine derives the Windows code page from the locale: zh_CN gives cp936, en_US cp1252.
    """
    keep = ("PATH", "HOME", "USER", "LOGNAME", "TMPDIR")
    env = {key: os.environ[key] for key in keep if key in os.environ}
    env.update(
        WINEPREFIX=PREFIX,
        WINEARCH="win64",
        WINEDEBUG="-all",
        # No Mono or Gecko installer dialogs: a console program needs neither.
        WINEDLLOVERRIDES="mscoree,mshtml=",
        LANG=lang,
        LC_ALL=lang,
    )
    env.update(extra or {})
    return env


def run_wine(
    args: Sequence[str],
    *,
    stdin: bytes = b"",
    lang: str = "C.UTF-8",
    extra_env: dict[str, str] | None = None,
    cwd: str = ROOT,
    timeout: float = 900,
) -> subprocess.CompletedProcess[bytes]:
    """Run a Windows program with stdin, stdout and stderr on pipes (never Unix files)."""
    return subprocess.run(  # nosec B603 - the wine loader with arguments built here
        [wine_loader(), *args],
        input=stdin,
        capture_output=True,
        env=wine_env(lang, extra_env),
        cwd=cwd,
        timeout=timeout,
        check=False,
    )


def checked(result: subprocess.CompletedProcess[bytes], what: str) -> str:
    """The output of a run that must succeed; its output tail in the error otherwise."""
    output = (result.stdout + result.stderr).decode("utf-8", "replace")
    if result.returncode != 0:
        raise BuildError("%s failed (exit %d):\n%s" % (what, result.returncode, output[-4000:]))
    return output


def python(*args: str, **options: object) -> subprocess.CompletedProcess[bytes]:
    """Run the prefix's Windows Python."""
    return run_wine([windows_path(os.path.join(PYTHON_DIR, "python.exe")), *args], **options)  # type: ignore[arg-type]


def pip(*args: str) -> subprocess.CompletedProcess[bytes]:
    """The Windows Python's pip, ignoring the host's pip settings but trusting its CA bundle.

    The host's certificate store is passed on so that pip under wine trusts what the host
    trusts (a TLS-inspecting proxy's CA included); without one, pip's own bundle is used.
    """
    bundle = ca_bundle()
    cert = ["--cert", windows_path(bundle)] if bundle else []
    return python("-m", "pip", "--isolated", *cert, *args)


def ca_bundle() -> str | None:
    """The host's CA bundle (pip's setting, else OpenSSL's, else Debian's), if there is one."""
    for bundle in (os.environ.get("PIP_CERT"), os.environ.get("SSL_CERT_FILE"), HOST_CA_BUNDLE):
        if bundle and os.path.isfile(bundle):
            return bundle
    return None


def make_prefix() -> None:
    """A private 64-bit prefix with real Desktop and Documents folders."""
    if not os.path.exists(os.path.join(PREFIX, "system.reg")):
        log("creating the wine prefix " + os.path.relpath(PREFIX, ROOT))
        os.makedirs(PREFIX, exist_ok=True)
        checked(run_wine(["wineboot", "--init"], timeout=300), "wineboot --init")
    users = os.path.join(PREFIX, "drive_c", "users")
    for user in os.listdir(users):
        for folder in LINKED_FOLDERS:
            path = os.path.join(users, user, folder)
            if os.path.islink(path):
                os.unlink(path)
                os.makedirs(path)


def pinned_hashes() -> dict[str, str]:
    hashes = {}
    with open(PYTHON_HASHES, encoding="utf-8") as handle:
        for line in handle:
            if line.strip() and not line.startswith("#"):
                digest, name = line.split()
                hashes[name] = digest
    return hashes


def verify_python() -> None:
    """Every pinned interpreter file is there with its pinned SHA-256."""
    for name, digest in pinned_hashes().items():
        path = os.path.join(PYTHON_DIR, name)
        if not os.path.exists(path):
            raise BuildError("the Windows Python lacks " + name)
        if sha256_of(path) != digest:
            raise BuildError("the Windows Python's %s does not match its pinned SHA-256" % name)


def stamp_ok(name: str, *inputs: str) -> bool:
    path = os.path.join(BUILD, name)
    if not os.path.exists(path):
        return False
    with open(path, encoding="utf-8") as handle:
        return handle.read() == _inputs_digest(*inputs)


def write_stamp(name: str, *inputs: str) -> None:
    with open(os.path.join(BUILD, name), "w", encoding="utf-8") as handle:
        handle.write(_inputs_digest(*inputs))


def _inputs_digest(*inputs: str) -> str:
    return "".join(sha256_of(path) for path in inputs)


def install_python() -> None:
    """Download the interpreter by its hash, unpack it into the prefix, check every file."""
    if stamp_ok(".python", INTERPRETER, PYTHON_HASHES) and os.path.isdir(PYTHON_DIR):
        verify_python()
        return
    log("downloading and verifying the Windows Python 3.8.10")
    downloads = os.path.join(BUILD, "downloads")
    shutil.rmtree(PYTHON_DIR, ignore_errors=True)
    os.makedirs(downloads, exist_ok=True)
    bundle = ca_bundle()
    result = subprocess.run(  # nosec B603 - the host's pip with a hashed requirement
        [sys.executable, "-m", "pip", "download", "--isolated", "--no-deps", "--quiet"]
        + (["--cert", bundle] if bundle else [])
        + ["--require-hashes", "--only-binary=:all:", "-r", INTERPRETER, "-d", downloads],
        capture_output=True,
        check=False,
    )
    checked(result, "downloading the Windows Python")
    wheels = [name for name in os.listdir(downloads) if name.startswith("QEnvPython38-")]
    if len(wheels) != 1:
        raise BuildError("expected one QEnvPython38 wheel in " + downloads)
    with zipfile.ZipFile(os.path.join(downloads, wheels[0])) as wheel:
        for member in wheel.infolist():
            if not member.filename.startswith(WHEEL_FOLDER) or member.is_dir():
                continue
            relative = member.filename[len(WHEEL_FOLDER) :]
            target = os.path.join(PYTHON_DIR, *relative.split("/"))
            if os.path.relpath(target, PYTHON_DIR).startswith(".."):
                raise BuildError("unsafe path in the wheel: " + member.filename)
            os.makedirs(os.path.dirname(target), exist_ok=True)
            with wheel.open(member) as source, open(target, "wb") as handle:
                shutil.copyfileobj(source, handle)
    verify_python()
    write_stamp(".python", INTERPRETER, PYTHON_HASHES)


def install_requirements() -> None:
    """psutil, PyInstaller and the test tools, every one pinned with its hash."""
    if stamp_ok(".requirements", REQUIREMENTS, INTERPRETER):
        return
    log("installing the pinned Windows packages (pip --require-hashes)")
    checked(
        pip(
            "install", "--no-warn-script-location", "--quiet",
            "--require-hashes", "--only-binary=:all:", "-r", windows_path(REQUIREMENTS),
        ),
        "pip install -r diagnostics/requirements-windows.txt",
    )  # fmt: skip
    write_stamp(".requirements", REQUIREMENTS, INTERPRETER)


def prepare() -> None:
    """The prefix, the verified interpreter and the hashed packages, each done once."""
    os.makedirs(BUILD, exist_ok=True)
    make_prefix()
    install_python()
    install_requirements()


def build(server: str | None) -> str:
    """Build dist/helpdesk-agent.exe from diagnostics/agent.spec; print its size and hash."""
    started = time.monotonic()
    prepare()
    log("building dist/helpdesk-agent.exe with PyInstaller")
    extra = {"HELPDESK_AGENT_SERVER": server} if server else {}
    checked(
        python(
            "-m", "PyInstaller", "--clean", "--noconfirm", "--log-level", "WARN",
            "--distpath", windows_path(DIST),
            "--workpath", windows_path(os.path.join(BUILD, "pyinstaller")),
            windows_path(os.path.join(ROOT, "diagnostics", "agent.spec")),
            extra_env=extra,
        ),
        "PyInstaller",
    )  # fmt: skip
    version = checked(run_wine([windows_path(EXE), "--version"], timeout=120), "--version")
    size = os.path.getsize(EXE)
    print("dist/helpdesk-agent.exe")
    print("  size:    %d bytes (%.1f MB)" % (size, size / 1e6))
    print("  sha256:  " + sha256_of(EXE))
    print("  version: " + version.strip())
    print("  server:  " + (server or "none baked in (a run without --server stays offline)"))
    print("  built in %.0f s" % (time.monotonic() - started))
    return EXE


def test_suite(pytest_args: Sequence[str]) -> int:
    """tests/agent under the Windows Python 3.8; its output is passed through."""
    prepare()
    # The embeddable Python's python38._pth leaves the working directory off sys.path, also
    # for the child interpreters the tests start: point site-packages at this checkout.
    source = os.path.join(PYTHON_DIR, "Lib", "site-packages", "helpdesk-agent-source.pth")
    with open(source, "w", encoding="utf-8") as handle:
        handle.write(windows_path(ROOT) + "\n")
    result = python(
        "-m", "pytest", "tests/agent", "--confcutdir", "tests/agent", "-p", "no:cacheprovider",
        "-q", *pytest_args,
    )  # fmt: skip
    sys.stdout.write(result.stdout.decode("utf-8", "replace"))
    sys.stdout.write(result.stderr.decode("utf-8", "replace"))
    return result.returncode


def lock() -> None:
    """Resolve requirements-windows.in under the Windows Python and pin every wheel's hash."""
    prepare_for_lock()
    with tempfile.TemporaryDirectory(dir=BUILD) as wheels:
        checked(
            pip(
                "download", "--quiet", "--only-binary=:all:",
                "-r", windows_path(REQUIREMENTS_IN), "-d", windows_path(wheels),
            ),
            "pip download",
        )  # fmt: skip
        lines = []
        for name in sorted(os.listdir(wheels), key=str.lower):
            project, version = name.split("-")[:2]
            digest = sha256_of(os.path.join(wheels, name))
            project = project.replace("_", "-").lower()
            lines.append("%s==%s \\\n    --hash=sha256:%s" % (project, version, digest))
    with open(REQUIREMENTS, "w", encoding="utf-8") as handle:
        handle.write(
            "# Generated by `python3 diagnostics/winbuild/wine.py lock` from\n"
            "# diagnostics/winbuild/requirements-windows.in: every package of the Windows build\n"
            "# (win_amd64, CPython 3.8), transitive ones included, pinned with its hash.\n"
        )
        handle.write("\n".join(lines) + "\n")
    log("wrote " + os.path.relpath(REQUIREMENTS, ROOT))


def prepare_for_lock() -> None:
    os.makedirs(BUILD, exist_ok=True)
    make_prefix()
    install_python()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    build_parser = commands.add_parser("build", help="build dist/helpdesk-agent.exe")
    build_parser.add_argument("--server", help="the desk address to bake in")
    suite = commands.add_parser("test-suite", help="run tests/agent under the Windows Python")
    suite.add_argument("pytest_args", nargs=argparse.REMAINDER)
    exe = commands.add_parser("exe", help="run dist/helpdesk-agent.exe under wine")
    exe.add_argument("exe_args", nargs=argparse.REMAINDER)
    commands.add_parser("lock", help="re-pin diagnostics/requirements-windows.txt")
    args = parser.parse_args(argv)
    try:
        if args.command == "build":
            build(args.server)
        elif args.command == "test-suite":
            return test_suite([a for a in args.pytest_args if a != "--"])
        elif args.command == "exe":
            result = run_wine(
                [windows_path(EXE), *[a for a in args.exe_args if a != "--"]],
                stdin=b"" if sys.stdin.isatty() else sys.stdin.buffer.read(),
            )
            sys.stdout.buffer.write(result.stdout)
            sys.stderr.buffer.write(result.stderr)
            return result.returncode
        else:
            lock()
    except (BuildError, subprocess.TimeoutExpired) as exc:
        print("agent-windows: " + str(exc), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
