#!/usr/bin/env python3
"""Checks that the tree is formatted as .clang-format says (clang-format-14, Debian's), so that
it stays applied: `clang-format --dry-run --Werror` over every C++ file of the tree.

  check_format.py ROOT    exit 0 if every file is formatted, else 1 and the files that are not
                          (clang-format-14 -i FILE... formats them)
"""
import pathlib
import subprocess
import sys

sys.path.insert(0, str(pathlib.Path(__file__).parent))
from check_includes import source_files  # noqa: E402

CLANG_FORMAT = "clang-format-14"


def main():
    if len(sys.argv) != 2:
        print("usage: check_format.py ROOT")
        return 2
    root = pathlib.Path(sys.argv[1])
    files = [str(path) for path, _ in source_files(root)]
    unformatted = []
    for i in range(0, len(files), 50):
        batch = files[i:i + 50]
        r = subprocess.run([CLANG_FORMAT, f"--style=file:{root / '.clang-format'}", "--dry-run", "--Werror", *batch],
                           capture_output=True, text=True)
        if r.returncode != 0:
            for f in batch:  # which of them: one at a time
                one = subprocess.run([CLANG_FORMAT, f"--style=file:{root / '.clang-format'}", "--dry-run", "--Werror", f],
                                     capture_output=True, text=True)
                if one.returncode != 0:
                    first = (one.stderr.strip().splitlines() or ["?"])[0]
                    unformatted.append(f"{pathlib.Path(f).relative_to(root)}: {first}")
    for u in unformatted:
        print(u)
    print(f"format: {len(files)} files, {len(unformatted)} not formatted"
          + (f" (run {CLANG_FORMAT} -i on them)" if unformatted else ""))
    return 1 if unformatted else 0


if __name__ == "__main__":
    sys.exit(main())
