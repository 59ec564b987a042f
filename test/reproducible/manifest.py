"""A tree's manifest, one line per entry, sorted: path, type, mode, and a file's sha256 or a link's
target; a hard link within the tree as `link-to` its first path. Two builds are the same when their
manifests are (make reproducible diffs them).

    manifest.py TREE
"""

from __future__ import annotations

import hashlib
import os
import stat
import sys
from pathlib import Path


def manifest(root: Path) -> list[str]:
    lines = []
    seen: dict[tuple[int, int], str] = {}
    for parent, dirs, files in os.walk(root):
        dirs.sort()
        for name in sorted(dirs + files):
            path = Path(parent, name)
            relative = str(path.relative_to(root))
            st = path.lstat()
            mode = f"{stat.S_IMODE(st.st_mode):04o}"
            if stat.S_ISLNK(st.st_mode):
                lines.append(f"{relative}\tlink\t{mode}\t{os.readlink(path)}")
            elif stat.S_ISDIR(st.st_mode):
                lines.append(f"{relative}\tdir\t{mode}")
            elif stat.S_ISREG(st.st_mode):
                key = (st.st_dev, st.st_ino)
                if st.st_nlink > 1 and key in seen:
                    lines.append(f"{relative}\tfile\t{mode}\tlink-to {seen[key]}")
                    continue
                seen[key] = relative
                digest = hashlib.sha256(path.read_bytes()).hexdigest()
                lines.append(f"{relative}\tfile\t{mode}\t{digest}")
            else:
                lines.append(f"{relative}\tother\t{mode}")
    return sorted(lines)


if __name__ == "__main__":
    sys.stdout.write("".join(line + "\n" for line in manifest(Path(sys.argv[1]))))
