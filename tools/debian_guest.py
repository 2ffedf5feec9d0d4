#!/usr/bin/python3
"""Debian's riscv64 kernel and busybox, fetched for the Linux guest.

    tools/debian_guest.py            fetch (or reuse the cache), check, extract
    tools/debian_guest.py --refresh  fetch the release files again
    tools/debian_guest.py --print    the cached guest's manifest (JSON), no network
    tools/debian_guest.py --path vmlinux   one file of it (vmlinux, modules, busybox),
                                     absolute, fetched first if need be

The mirror is the one apt on this machine is configured with (read from
/etc/apt/sources.list and /etc/apt/sources.list.d/, deb822 .sources and
one-line .list files; $HVLAB_DEBIAN_MIRROR overrides it): no mirror host name
is written into the repository. The chain of trust, each step checked before
the next is used:

  dists/SUITE/InRelease   signed; verified with gpgv against Debian's archive
                          keyring when that keyring has the release's key
                          (said clearly when it cannot be verified)
  main/binary-riscv64/Packages.xz   its SHA256 and size from InRelease
  the .deb files          their SHA256 and size from Packages

The kernel is the real package that the meta package linux-image-riscv64
depends on (linux-image-<version>-riscv64), with busybox-static beside it.
Everything is cached under build/debian/ (git-ignored) and each .deb is
extracted into build/debian/<package>/ by a small ar reader and tarfile.
build/debian/guest.json names what the Linux guest needs: the kernel image,
its modules directory, busybox.
"""

import argparse
import fcntl
import glob
import hashlib
import io
import json
import lzma
import os
import re
import shutil
import subprocess
import sys
import tarfile
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# $HVLAB_DEBIAN_CACHE: another tree's cache (tools/labs_real.py grades copies
# of the repository, which share the repository's).
CACHE = os.environ.get("HVLAB_DEBIAN_CACHE") or os.path.join(ROOT, "build", "debian")
MANIFEST = os.path.join(CACHE, "guest.json")
# Debian's current stable release; --suite picks another.
SUITE = "trixie"
ARCH = "riscv64"
KEYRING = "/usr/share/keyrings/debian-archive-keyring.gpg"
KERNEL_META = "linux-image-riscv64"
BUSYBOX = "busybox-static"
# Bumped when the extracted layout changes, so an old cache is redone.
LAYOUT = 2


class FetchError(Exception):
    """Nothing could be fetched or checked; the message says what and why.
    network: the mirror could not be reached (rather than a file that did
    not check out)."""

    def __init__(self, msg, network=False):
        super().__init__(msg)
        self.network = network


def say(msg):
    print(f"debian-guest: {msg}", file=sys.stderr)


# ---------------------------------------------------------------- apt's mirror


def _deb822_stanzas(text):
    stanza, key = {}, None
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        if not line.strip():
            if stanza:
                yield stanza
            stanza, key = {}, None
        elif line[0] in " \t" and key:
            stanza[key] += " " + line.strip()
        elif ":" in line:
            key, value = line.split(":", 1)
            key = key.strip().lower()
            stanza[key] = value.strip()
    if stanza:
        yield stanza


def apt_sources():
    """(uri, suites) of every enabled `deb` source, in apt's file order."""
    found = []
    lists = ["/etc/apt/sources.list"] + sorted(glob.glob("/etc/apt/sources.list.d/*.list"))
    for path in lists:
        try:
            text = open(path, encoding="utf-8", errors="replace").read()
        except OSError:
            continue
        for line in text.splitlines():
            words = line.split("#", 1)[0].split()
            if not words or words[0] != "deb":
                continue
            words = words[1:]
            if words and words[0].startswith("["):  # [arch=... signed-by=...]
                while words and not words[0].endswith("]"):
                    words.pop(0)
                words = words[1:]
            if len(words) >= 2:
                found.append((words[0], [words[1]]))
    for path in sorted(glob.glob("/etc/apt/sources.list.d/*.sources")):
        try:
            text = open(path, encoding="utf-8", errors="replace").read()
        except OSError:
            continue
        for st in _deb822_stanzas(text):
            if "deb" not in st.get("types", "").split():
                continue
            if st.get("enabled", "yes").lower() == "no":
                continue
            for uri in st.get("uris", "").split():
                found.append((uri, st.get("suites", "").split()))
    return found


def mirror_candidates():
    """The base URIs that may be a Debian archive in apt's sources, in apt's
    order: those that serve a plain release codename (not -security,
    -updates, or a third-party repository's suite)."""
    env = os.environ.get("HVLAB_DEBIAN_MIRROR")
    if env:
        return [env.rstrip("/")]
    found = []
    for uri, suites in apt_sources():
        uri = uri.rstrip("/")
        if (uri.startswith(("http://", "https://")) and uri not in found
                and any(re.fullmatch(r"[a-z]+", s) for s in suites)):
            found.append(uri)
    return found


# ------------------------------------------------------------------ downloads


def download(url, dest):
    tmp = dest + ".part"
    os.makedirs(os.path.dirname(dest), exist_ok=True)
    try:
        with urllib.request.urlopen(url, timeout=60) as r, open(tmp, "wb") as f:
            shutil.copyfileobj(r, f, 1 << 20)
    except OSError as e:
        raise FetchError(f"cannot fetch {url}: {e}", network=True) from e
    os.replace(tmp, dest)


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def fetch_checked(url, dest, sha256, size):
    """dest holds url's content with that SHA256 and size (a cached copy is
    reused when it matches; a download that does not match is an error)."""
    if os.path.exists(dest) and os.path.getsize(dest) == size and sha256_file(dest) == sha256:
        return
    say(f"fetching {url} ({size} bytes)")
    download(url, dest)
    got = sha256_file(dest)
    if os.path.getsize(dest) != size or got != sha256:
        os.unlink(dest)
        raise FetchError(f"{url}: SHA256 {got}, expected {sha256} (size {size})")


# --------------------------------------------------------------- the release


def verified_release(mirror, suite, dest_dir):
    """InRelease's signed text, verified with gpgv when possible."""
    inrelease = os.path.join(dest_dir, "InRelease")
    download(f"{mirror}/dists/{suite}/InRelease", inrelease)
    if not shutil.which("gpgv") or not os.path.exists(KEYRING):
        say(
            f"WARNING: dists/{suite}/InRelease NOT VERIFIED (no gpgv or no {KEYRING}); "
            "the files below are checked against it, which is only as good as the mirror"
        )
        return _strip_clearsign(open(inrelease, encoding="utf-8").read()), False
    out = os.path.join(dest_dir, "Release.verified")
    r = subprocess.run(
        ["gpgv", "--keyring", KEYRING, "--output", out, inrelease],
        capture_output=True,
        text=True,
    )
    if r.returncode != 0 and "BAD signature" not in r.stderr and "No public key" in r.stderr:
        say(
            f"WARNING: dists/{suite}/InRelease NOT VERIFIED: {KEYRING} has no key for it "
            "(an older debian-archive-keyring?); the files below are checked against it, "
            "which is only as good as the mirror"
        )
        return _strip_clearsign(open(inrelease, encoding="utf-8").read()), False
    if r.returncode != 0:
        raise FetchError(
            f"dists/{suite}/InRelease: signature not verified with {KEYRING} "
            f"(does the keyring have {suite}'s key?):\n{r.stderr.strip()}"
        )
    signer = re.search(r'Good signature from "([^"]*)"', r.stderr)
    say(f"dists/{suite}/InRelease verified: {signer.group(1) if signer else 'good signature'}")
    return open(out, encoding="utf-8").read(), True


def _strip_clearsign(text):
    m = re.search(r"\n\n(.*?)\n-----BEGIN PGP SIGNATURE", text, re.S)
    return m.group(1) if m else text


def release_sha256(release, name):
    """(sha256, size) of a file listed in Release's SHA256 section."""
    section = re.search(r"^SHA256:\n((?: .*\n?)*)", release, re.M)
    if section:
        for line in section.group(1).splitlines():
            parts = line.split()
            if len(parts) == 3 and parts[2] == name:
                return parts[0], int(parts[1])
    raise FetchError(f"Release does not list {name} with a SHA256")


def package_stanzas(packages_xz, wanted):
    """{name: fields} for the packages whose name passes wanted(name)."""
    found = {}
    with lzma.open(packages_xz, "rt", encoding="utf-8", errors="replace") as f:
        stanza = []
        for line in f:
            if line != "\n":
                stanza.append(line)
                continue
            if stanza and wanted(stanza[0][len("Package: ") :].strip()):
                fields = dict(_deb822_stanzas("".join(stanza)).__next__())
                found[fields["package"]] = fields
            stanza = []
        if stanza and wanted(stanza[0][len("Package: ") :].strip()):
            fields = dict(_deb822_stanzas("".join(stanza)).__next__())
            found[fields["package"]] = fields
    return found


def real_kernel_package(packages):
    """linux-image-riscv64 depends on exactly one linux-image-<version>-riscv64."""
    meta = packages.get(KERNEL_META)
    if not meta:
        raise FetchError(f"{KERNEL_META} is not in Packages")
    for dep in re.split(r"[,|]", meta.get("depends", "")):
        name = dep.split("(")[0].strip()
        if re.fullmatch(r"linux-image-\d.*-riscv64", name) and name in packages:
            return name
    raise FetchError(f"{KERNEL_META}'s Depends names no linux-image-<version>-riscv64")


# ----------------------------------------------------------- .deb extraction


def ar_members(path):
    """(name, bytes) of each member of an ar archive (the .deb container)."""
    with open(path, "rb") as f:
        if f.read(8) != b"!<arch>\n":
            raise FetchError(f"{path}: not an ar archive")
        while True:
            header = f.read(60)
            if len(header) < 60:
                return
            if header[58:60] != b"`\n":
                raise FetchError(f"{path}: bad ar member header")
            name = header[0:16].decode().strip().rstrip("/")
            size = int(header[48:58].decode().strip())
            data = f.read(size)
            if size % 2:
                f.read(1)  # members are aligned to 2 bytes
            yield name, data


def extract_deb(deb, dest):
    """data.tar.* of a .deb into dest (only regular files, directories and
    symbolic links; no member may leave dest)."""
    for name, data in ar_members(deb):
        if name.startswith("data.tar"):
            break
    else:
        raise FetchError(f"{deb}: no data.tar member")
    if name.endswith(".zst"):
        raise FetchError(f"{deb}: data.tar.zst (zstd) is not in Python's standard library")
    shutil.rmtree(dest, ignore_errors=True)
    os.makedirs(dest)
    real_dest = os.path.realpath(dest)
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:*") as tar:
        for m in tar:
            target = os.path.realpath(os.path.join(dest, m.name))
            if not (target == real_dest or target.startswith(real_dest + os.sep)):
                raise FetchError(f"{deb}: member {m.name} leaves the tree")
            if m.isdir():
                os.makedirs(target, exist_ok=True)
            elif m.isfile():
                os.makedirs(os.path.dirname(target), exist_ok=True)
                with tar.extractfile(m) as src, open(target, "wb") as out:
                    shutil.copyfileobj(src, out, 1 << 20)
                os.chmod(target, m.mode & 0o755)
            elif m.issym():
                os.makedirs(os.path.dirname(target), exist_ok=True)
                if os.path.lexists(target):
                    os.unlink(target)
                os.symlink(m.linkname, target)


# ----------------------------------------------------------------- the guest


def manifest():
    try:
        with open(MANIFEST, encoding="utf-8") as f:
            m = json.load(f)
    except (OSError, ValueError):
        return None
    if m.get("layout") != LAYOUT:
        return None
    paths = [m["vmlinux"], m["busybox"], os.path.join(m["modules"], "modules.order")]
    if not all(os.path.exists(os.path.join(CACHE, p)) for p in paths):
        return None
    return m


def fetch(suite=SUITE, refresh=False):
    """The guest's files, fetched unless cached; one process at a time (the
    grader's workers may ask together)."""
    os.makedirs(CACHE, exist_ok=True)
    with open(os.path.join(CACHE, ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        return _fetch(suite, refresh)


def _fetch(suite, refresh):
    m = manifest()
    if m and m["suite"] == suite and not refresh:
        return m
    dist = os.path.join(CACHE, "dists", suite)
    os.makedirs(dist, exist_ok=True)
    # The first of apt's mirrors that serves Debian's release (an Ubuntu
    # machine's apt has none: then the error says so).
    failures = []
    for mirror in mirror_candidates():
        try:
            release, verified = verified_release(mirror, suite, dist)
            break
        except FetchError as e:
            if not e.network:
                raise
            failures.append(str(e))
    else:
        raise FetchError(
            f"no mirror in apt's sources (/etc/apt/sources.list, /etc/apt/sources.list.d/) "
            f"serves Debian's {suite}; set HVLAB_DEBIAN_MIRROR=http://.../debian"
            + "".join(f"\n  {f}" for f in failures),
            network=True,
        )
    say(f"mirror {mirror} (from apt's sources), release {suite}")

    index = f"main/binary-{ARCH}/Packages.xz"
    sha, size = release_sha256(release, index)
    packages_xz = os.path.join(dist, index)
    fetch_checked(f"{mirror}/dists/{suite}/{index}", packages_xz, sha, size)

    packages = package_stanzas(
        packages_xz,
        lambda n: n in (KERNEL_META, BUSYBOX) or re.fullmatch(r"linux-image-\d.*-riscv64", n),
    )
    kernel = real_kernel_package(packages)
    if BUSYBOX not in packages:
        raise FetchError(f"{BUSYBOX} is not in Packages")

    trees = {}
    for name in (kernel, BUSYBOX):
        p = packages[name]
        deb = os.path.join(CACHE, "pool", os.path.basename(p["filename"]))
        fetch_checked(f"{mirror}/{p['filename']}", deb, p["sha256"], int(p["size"]))
        tree = os.path.join(CACHE, name)
        say(f"{name} {p['version']}: SHA256 matches Packages; extracting into {tree}")
        extract_deb(deb, tree)
        trees[name] = (tree, p["version"])

    ktree = trees[kernel][0]
    vmlinux = sorted(glob.glob(os.path.join(ktree, "boot", "vmlinu*")))
    moddirs = sorted(glob.glob(os.path.join(ktree, "usr", "lib", "modules", "*"))) or sorted(
        glob.glob(os.path.join(ktree, "lib", "modules", "*"))
    )
    busybox = os.path.join(trees[BUSYBOX][0], "usr", "bin", "busybox")
    if not vmlinux or not moddirs or not os.path.exists(busybox):
        raise FetchError("the packages do not hold boot/vmlinu*, lib/modules/*, usr/bin/busybox")
    # Relative to the cache, which trees share (HVLAB_DEBIAN_CACHE).
    rel = lambda p: os.path.relpath(p, CACHE)  # noqa: E731
    m = {
        "layout": LAYOUT,
        "suite": suite,
        "release_verified": verified,
        "kernel_package": kernel,
        "kernel_version": trees[kernel][1],
        "busybox_version": trees[BUSYBOX][1],
        "vmlinux": rel(vmlinux[0]),
        "modules": rel(moddirs[0]),
        "busybox": rel(busybox),
    }
    with open(MANIFEST, "w", encoding="utf-8") as f:
        json.dump(m, f, indent=1)
        f.write("\n")
    return m


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--suite", default=SUITE, help=f"Debian release (default {SUITE})")
    ap.add_argument("--refresh", action="store_true", help="fetch again even if cached")
    ap.add_argument("--print", action="store_true", help="print the cached manifest only")
    ap.add_argument("--path", choices=("vmlinux", "modules", "busybox"),
                    help="print the absolute path of that file only")
    args = ap.parse_args()
    if args.print:
        m = manifest()
        if not m:
            say("nothing cached: run tools/debian_guest.py")
            return 1
    else:
        try:
            m = fetch(args.suite, args.refresh)
        except FetchError as e:
            say(f"error: {e}")
            return 1
    if args.path:
        print(os.path.join(CACHE, m[args.path]))
        return 0
    json.dump(m, sys.stdout, indent=1)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
