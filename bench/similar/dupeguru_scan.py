"""dupeGuru's picture mode without its GUI: the same scanner, file class and options the app uses.

    QT_QPA_PLATFORM=offscreen python3 dupeguru_scan.py DIR CACHE_DB [--match-scaled] [--hardness N]

DUPEGURU_HOME names dupeGuru's package folder (Debian: /usr/share/dupeguru). Prints one JSON object:
{"groups": [[path, ...], ...], "collected": n, "analyzed": [path, ...]}: `collected` counts the files the picture
file class accepted (by extension), `analyzed` lists those whose blocks it computed (the others it dropped after a
logged warning, e.g. an image Qt cannot read).
"""

import argparse
import json
import logging
import os
import sqlite3
import sys

sys.path.insert(0, os.environ.get("DUPEGURU_HOME", "/usr/share/dupeguru"))

from pathlib import Path  # noqa: E402

from core import pe  # noqa: E402
from core.directories import Directories  # noqa: E402
from core.pe.scanner import ScannerPE  # noqa: E402
from core.scanner import ScanType  # noqa: E402
from qt.pe.photo import File as PlatSpecificPhoto  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("folder")
    parser.add_argument("cache")
    parser.add_argument("--match-scaled", action="store_true")
    parser.add_argument("--hardness", type=int, default=95)  # the app's default filter hardness
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)

    pe.photo.PLAT_SPECIFIC_PHOTO_CLASS = PlatSpecificPhoto
    directories = Directories()
    directories.add_path(Path(args.folder))
    files = list(directories.get_files(fileclasses=[PlatSpecificPhoto]))

    scanner = ScannerPE()
    scanner.scan_type = ScanType.FUZZYBLOCK
    scanner.min_match_percentage = args.hardness
    scanner.match_scaled = args.match_scaled
    scanner.mix_file_kind = True  # the app's default
    scanner.cache_path = args.cache
    groups = scanner.get_dupe_groups(files)

    with sqlite3.connect(args.cache) as db:
        analyzed = [row[0] for row in db.execute("select path from pictures")]
    print(
        json.dumps(
            {
                "groups": [[str(f.path) for f in group] for group in groups],
                "collected": len(files),
                "analyzed": analyzed,
            }
        )
    )


if __name__ == "__main__":
    main()
