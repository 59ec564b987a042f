"""A tree's manifest, one line per entry, sorted: path, type, mode, and a file's sha256 or a link's
target; a hard link within the tree as `link-to` its first path. Two builds are the same when their
manifests are (make reproducible diffs them).

    manifest.py TREE [BUILT_IN]

With BUILT_IN (the directory the tree was built in, which its slug does not run from), a file or
link that names BUILT_IN (its bytes, binary files included) is hashed as if it named /app instead,
and its line ends in `names the build directory` (make reproducible lists them: none may).
"""

from __future__ import annotations

import hashlib
import os
import stat
import sys
from pathlib import Path

NAMES_BUILD_DIR = "names the build directory"


def manifest(root: Path, built_in: str = "") -> list[str]:
    lines = []
    built = built_in.encode()

    def named(data: bytes) -> tuple[bytes, str]:
        """data as if built at /app, and the mark when it names the build directory."""
        if built and built in data:
            return data.replace(built, b"/app"), f"\t{NAMES_BUILD_DIR}"
        return data, ""

    seen: dict[tuple[int, int], str] = {}
    for parent, dirs, files in os.walk(root):
        dirs.sort()
        for name in sorted(dirs + files):
            path = Path(parent, name)
            relative = str(path.relative_to(root))
            st = path.lstat()
            mode = f"{stat.S_IMODE(st.st_mode):04o}"
            if stat.S_ISLNK(st.st_mode):
                target, mark = named(os.readlink(path).encode())
                lines.append(f"{relative}\tlink\t{mode}\t{target.decode()}{mark}")
            elif stat.S_ISDIR(st.st_mode):
                lines.append(f"{relative}\tdir\t{mode}")
            elif stat.S_ISREG(st.st_mode):
                key = (st.st_dev, st.st_ino)
                if st.st_nlink > 1 and key in seen:
                    lines.append(f"{relative}\tfile\t{mode}\tlink-to {seen[key]}")
                    continue
                seen[key] = relative
                data, mark = named(path.read_bytes())
                lines.append(f"{relative}\tfile\t{mode}\t{hashlib.sha256(data).hexdigest()}{mark}")
            else:
                lines.append(f"{relative}\tother\t{mode}")
    return sorted(lines)


if __name__ == "__main__":
    sys.stdout.write("".join(line + "\n" for line in manifest(Path(sys.argv[1]), "".join(sys.argv[2:3]))))
