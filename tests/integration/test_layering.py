#!/usr/bin/env python3
"""Layering: arrows point down only (docs/architecture.md).

Scans every #include "..." in src/ and cli/, resolves it to a project file
(the including file's own folder first, then src/, then include/) and checks
it against the layer rules:

  core                      -> core
  sinks, net                -> core, sinks, net
  connectors/<x>            -> core, net, its own folder, connectors/*_common
  destinations/<x>          -> core, net, its own folder, connectors/*_common
  pipeline                  -> anything below (core, sinks, net, connectors, destinations)
  cli                       -> public headers (include/etlconn), pipeline
  include/etlconn (public)  -> may be included from every layer

Connectors and destinations never write files themselves: they hand batches
or byte streams to the run. So they must not call the lake or sink writing
API nor open files for writing.

Prints what it checked; exits 1 on any violation.
"""
import os
import re
import sys

SRC = os.environ.get("ETLCONN_SOURCE_DIR") or os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
INCLUDE_RE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)
# Known arrows that still point the wrong way, each with its reason. They are
# printed on every run; anything not listed here fails.
TOLERATED = {}
WRITES_FILES = re.compile(
    r"\b(etlc_lake_file_create|etlc_lake_put|etlc_lake_delete|etlc_sink_open|etlc_sink_write|etlc_sink_finish|"
    r"etlc_lake_lock_acquire|rename|unlink)\s*\(|\bf(d)?open\s*\([^,;)]*,\s*\"[^\"]*[wa+]|O_WRONLY|O_RDWR|O_CREAT")
# Files that write outside the lake today, each with its reason (printed).
TOLERATED_WRITERS = {
    "src/destinations/dw/dw_lake.c": "stages an S3 object in a local temporary file for COPY (could stream through "
                                     "etlc_lake_reader instead)",
}
# Not lake writes at all: a connector acting on its own source's files, as
# the protocol's command would (FTP DELE/RNFR, SFTP remove/rename). Only
# unlink/rename of source paths may appear there; each is printed.
SOURCE_SIDE_ACTIONS = {
    "src/connectors/file/file_after.c": "after_landing delete|move of the source's own files (unlink, "
                                        "rename under root), called by the bytes driver after the commit",
}
SOURCE_SIDE_CALLS = {"unlink", "rename"}


def layer_of(rel):
    """(layer, folder) of a project file path relative to the source dir."""
    parts = rel.split("/")
    if parts[0] == "include":
        return "public", "include"
    if parts[0] == "cli":
        return "cli", "cli"
    if parts[0] == "src" and len(parts) > 2:
        layer = parts[1]
        if layer in ("connectors", "destinations"):
            return layer, "/".join(parts[:3])
        return layer, "src/" + layer
    return None, None


def allowed(frm, frm_folder, to_rel):
    to, to_folder = layer_of(to_rel)
    if to == "public":
        return True
    if frm == "core":
        return to == "core"
    if frm in ("sinks", "net"):
        return to in ("core", "sinks", "net")
    if frm in ("connectors", "destinations"):
        # Sinks sit below: a loader reads formats through them. Writing
        # files is refused separately (WRITES_FILES).
        if to in ("core", "net", "sinks") or to_folder == frm_folder:
            return True
        return to == "connectors" and to_folder.endswith("_common")
    if frm == "pipeline":
        return to in ("core", "sinks", "net", "connectors", "destinations", "pipeline")
    if frm == "cli":
        return to in ("cli", "pipeline")
    return False


def resolve(including, name):
    for base in (os.path.dirname(including), os.path.join(SRC, "src"), os.path.join(SRC, "include")):
        p = os.path.normpath(os.path.join(base, name))
        if os.path.isfile(p):
            return os.path.relpath(p, SRC)
    return None  # generated (the registry) or a system header in quotes


def main():
    files = []
    for top in ("src", "cli"):
        for root, _, names in os.walk(os.path.join(SRC, top)):
            files += [os.path.join(root, n) for n in names if n.endswith((".c", ".h"))]
    files.sort()
    counts, bad, tolerated, writers = {}, [], [], []
    for path in files:
        rel = os.path.relpath(path, SRC)
        layer, folder = layer_of(rel)
        text = open(path, encoding="utf-8", errors="replace").read()
        for name in INCLUDE_RE.findall(text):
            to = resolve(path, name)
            if to is None:
                continue
            counts[layer] = counts.get(layer, 0) + 1
            if allowed(layer, folder, to):
                continue
            if (rel, to) in TOLERATED:
                tolerated.append(f"{rel} -> {to}: {TOLERATED[(rel, to)]}")
            else:
                bad.append(f"{rel} -> {to} ({layer} may not include {layer_of(to)[0]})")
        if layer in ("connectors", "destinations"):
            code = re.sub(r"/\*.*?\*/|//[^\n]*", "", text, flags=re.S)
            hits = sorted({m.group(0).split("(")[0].strip() for m in WRITES_FILES.finditer(code)})
            if hits and rel in SOURCE_SIDE_ACTIONS and set(hits) <= SOURCE_SIDE_CALLS:
                print(f"source-side action: {rel} ({', '.join(hits)}): {SOURCE_SIDE_ACTIONS[rel]}")
                hits = []
            if hits and rel in TOLERATED_WRITERS:
                tolerated.append(f"{rel} writes files ({', '.join(hits)}): {TOLERATED_WRITERS[rel]}")
            elif hits:
                writers.append(f"{rel}: {', '.join(hits)} (a connector hands data to the run instead)")
    print(f"scanned {len(files)} files under src/ and cli/")
    for layer in sorted(counts):
        print(f"  {layer:13s} {counts[layer]:4d} project includes checked")
    print("rules: core->core; sinks,net->core,sinks,net; connectors,destinations->core,net,sinks (reading only),own folder,"
          "connectors/*_common; pipeline->below; cli->public headers,pipeline; include/etlconn from anywhere")
    for t in tolerated:
        print("tolerated (known, to fix): " + t)
    for b in bad:
        print("FAIL - upward or sideways include: " + b)
    for w in writers:
        print("FAIL - a connector or destination writes files: " + w)
    if bad or writers:
        return 1
    print(f"ok - arrows point down only ({len(tolerated)} known exceptions listed above)")
    print("ok - no connector or destination writes files itself")
    return 0


if __name__ == "__main__":
    sys.exit(main())
