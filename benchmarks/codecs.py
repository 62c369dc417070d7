"""Codec throughput and memory beside the raw parsing floor, and a 1M-entry streaming convert.

Run: ``.venv/bin/python benchmarks/codecs.py`` (options: ``--tracks``, ``--convert-entries``,
``--formats``, ``--repeat``). Rates use the process's CPU time (``time.process_time``), which a
busy shared machine disturbs far less than wall time; each case, codec and floor alike, runs
``--repeat`` times (5) and the fastest run counts, since interference only ever slows a run
down; the convert runs once and its line also gives wall time. Every case
runs in its own subprocess, which reports its times and its
own peak RSS (``VmHWM`` from ``/proc/self/status``, else ``ru_maxrss``; it includes the
interpreter and imports: about 35 MB). The floors are what the bare parser costs:

- XML formats (xspf, asx, wpl): ``lxml.etree.parse`` of the file / building the tree with
  ``SubElement`` and ``tostring``;
- csv: ``csv.reader`` over every row / ``csv.writer.writerows``;
- m3u, pls: decoding the file and splitting it into lines (plus ``key=value`` for PLS) /
  joining formatted lines, the same lines the codec writes (for M3U: ``#EXTINF`` with
  milliseconds, ``#EXTALB``, the location);
- jspf: ``json.load`` / ``json.dumps``.

The goal is codec time within 3x of the floor, and the 1,000,000-entry M3U to CSV convert
(through ``playlist convert``, the CLI path) under 150 MB peak RSS.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

FORMATS = ("m3u", "pls", "xspf", "jspf", "csv", "asx", "wpl")
XML_TRACK_TAGS = {"xspf": "track", "asx": "entry", "wpl": "media"}
GOAL_RATIO = 3.0
CONVERT_RSS_GOAL_MB = 150.0


# ---------------------------------------------------------------- data


def _rows(count: int) -> list[tuple[str, str, str, int, str, str | None]]:
    """Plain (title, artist, album, duration_ms, location, isrc) tuples."""
    return [
        (
            f"Song number {i} (Remastered)",
            f"Artist {i % 997}",
            f"Album {i % 4999}",
            120_000 + (i * 7919) % 240_000,
            f"/music/Artist {i % 997}/Album {i % 4999}/{i:06d} Song number {i}.mp3",
            f"USRC1{i % 10}{i:07d}"[:12] if i % 3 == 0 else None,
        )
        for i in range(count)
    ]


def _playlist(count: int) -> Any:
    from playlist_interop.model import Album, ArtistCredit, Playlist, Track

    return Playlist(
        name="Benchmark",
        tracks=[
            Track(
                title,
                artists=(ArtistCredit(artist),),
                album=Album(album),
                duration_ms=duration,  # type: ignore[arg-type]
                isrc=isrc,
                locations=(location,),
            )
            for title, artist, album, duration, location, isrc in _rows(count)
        ],
    )


# ---------------------------------------------------------------- floors


def _floor_read(fmt: str, path: Path) -> int:
    if fmt in XML_TRACK_TAGS:
        from lxml import etree

        tree = etree.parse(str(path))
        tag = XML_TRACK_TAGS[fmt]
        return sum(
            1 for el in tree.iter() if isinstance(el.tag, str) and el.tag.lower().endswith(tag)
        )
    if fmt == "csv":
        import csv

        with path.open(encoding="utf-8-sig", newline="") as handle:
            return sum(1 for _ in csv.reader(handle)) - 1
    if fmt == "jspf":
        with path.open("rb") as handle:
            return len(json.load(handle)["playlist"]["track"])
    lines = path.read_bytes().decode("utf-8").splitlines()
    if fmt == "pls":
        pairs = [line.split("=", 1) for line in lines if "=" in line]
        return sum(1 for key, _ in pairs if key.lower().startswith("file"))
    return sum(1 for line in lines if line and not line.startswith("#"))


def _floor_write(fmt: str, rows: list[tuple[str, str, str, int, str, str | None]]) -> bytes:
    if fmt == "csv":
        import csv
        import io

        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["title", "artist", "album", "duration_ms", "isrc", "location"])
        writer.writerows((t, a, al, d, i or "", loc) for t, a, al, d, loc, i in rows)
        return out.getvalue().encode()
    if fmt == "jspf":
        tracks = [
            {"title": t, "creator": a, "album": al, "duration": d, "location": [loc]}
            for t, a, al, d, loc, _ in rows
        ]
        return json.dumps({"playlist": {"title": "Benchmark", "track": tracks}}).encode()
    if fmt == "m3u":  # the lines the codec writes: milliseconds and the album line too
        lines = ["#EXTM3U"]
        for t, a, al, d, loc, _ in rows:
            lines.append(f"#EXTINF:{d // 1000}.{d % 1000:03d},{a} - {t}")
            lines.append(f"#EXTALB:{al}")
            lines.append(loc)
        return ("\n".join(lines) + "\n").encode()
    if fmt == "pls":
        lines = ["[playlist]"]
        for n, (t, a, _, d, loc, _) in enumerate(rows, 1):
            lines += [f"File{n}={loc}", f"Title{n}={a} - {t}", f"Length{n}={d // 1000}"]
        lines.append(f"NumberOfEntries={len(rows)}")
        lines.append("Version=2")
        return ("\n".join(lines) + "\n").encode()
    from lxml import etree

    if fmt == "xspf":
        root = etree.Element("playlist", version="1", nsmap={None: "http://xspf.org/ns/0/"})
        parent = etree.SubElement(root, "trackList")
        for t, a, al, d, loc, _ in rows:
            track = etree.SubElement(parent, "track")
            etree.SubElement(track, "location").text = "file://" + loc.replace(" ", "%20")
            etree.SubElement(track, "title").text = t
            etree.SubElement(track, "creator").text = a
            etree.SubElement(track, "album").text = al
            etree.SubElement(track, "duration").text = str(d)
    elif fmt == "asx":
        root = etree.Element("asx", version="3.0")
        for t, a, _, _, loc, _ in rows:
            entry = etree.SubElement(root, "entry")
            etree.SubElement(entry, "title").text = t
            etree.SubElement(entry, "author").text = a
            etree.SubElement(entry, "ref", href=loc)
    else:  # wpl
        root = etree.Element("smil")
        seq = etree.SubElement(etree.SubElement(root, "body"), "seq")
        for _, _, _, _, loc, _ in rows:
            etree.SubElement(seq, "media", src=loc)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))


# ---------------------------------------------------------------- cases (child side)


def _case(kind: str, fmt: str, path: str, count: int, repeat: int = 1) -> dict[str, Any]:
    """Run one case ``repeat`` times in this process; report the best seconds, tracks and
    peak RSS."""
    timed: Callable[[], int]
    if kind == "read":
        from playlist_interop.codecs import get_codec

        codec = get_codec(fmt)
        timed = lambda: len(codec.read(path).tracks)  # noqa: E731
    elif kind == "iter":
        from playlist_interop.codecs import get_codec

        codec = get_codec(fmt)
        timed = lambda: sum(1 for _ in codec.iter_tracks(path))  # noqa: E731
    elif kind == "write":
        from playlist_interop.codecs import get_codec

        codec = get_codec(fmt)
        playlist = _playlist(count)
        timed = lambda: len(codec.write(playlist).data) and len(playlist.tracks)  # noqa: E731
    elif kind == "floor-read":
        timed = lambda: _floor_read(fmt, Path(path))  # noqa: E731
    elif kind == "floor-write":
        rows = _rows(count)
        timed = lambda: len(_floor_write(fmt, rows)) and len(rows)  # noqa: E731
    elif kind == "convert":
        from playlist_interop.cli import main

        out = path + ".out.csv"
        timed = lambda: main(["convert", "--quiet", path, out]) or count  # noqa: E731
    else:
        raise SystemExit(f"unknown case {kind}")
    import warnings

    warnings.simplefilter("ignore")
    seconds = wall = float("inf")
    for _ in range(repeat):
        start, wall_start = time.process_time(), time.perf_counter()
        tracks = timed()
        seconds = min(seconds, time.process_time() - start)
        wall = min(wall, time.perf_counter() - wall_start)
    return {"seconds": seconds, "wall": wall, "tracks": tracks, "rss_mb": _peak_rss_mb()}


def _peak_rss_mb() -> float:
    """This process's peak RSS.

    ``VmHWM`` where Linux has it: ``ru_maxrss`` survives ``execve``, so a child forked from
    a large parent would report the parent's high-water mark.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _run_child(kind: str, fmt: str, path: Path, count: int, repeat: int = 1) -> dict[str, Any]:
    command = [sys.executable, __file__, "--child", kind, fmt, str(path), str(count), str(repeat)]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        last = (result.stderr.strip().splitlines() or ["?"])[-1]
        return {"error": last}
    data: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return data


# ---------------------------------------------------------------- driver


def _extension(fmt: str) -> str:
    from playlist_interop.codecs import get_codec

    return get_codec(fmt).extensions[0]


def _write_inputs(directory: Path, formats: list[str], count: int) -> dict[str, Path]:
    import warnings

    from playlist_interop.codecs import get_codec

    playlist = _playlist(count)
    paths = {}
    for fmt in formats:
        codec = get_codec(fmt)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            data = codec.write(playlist).data
        path = directory / f"bench.{codec.extensions[0]}"
        path.write_bytes(data)
        paths[fmt] = path
    return paths


def _write_big_m3u(path: Path, entries: int) -> None:
    with path.open("w", encoding="utf-8", newline="\n") as handle:
        handle.write("#EXTM3U\n#PLAYLIST:Huge\n")
        for i in range(entries):
            handle.write(
                f"#EXTINF:{120 + i % 240},Artist {i % 997} - Song number {i}\n"
                f"/music/Artist {i % 997}/{i:07d} Song number {i}.mp3\n"
            )


def _rate(result: dict[str, Any]) -> str:
    if "error" in result:
        return "error"
    return f"{result['tracks'] / result['seconds']:,.0f}"


def _main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tracks", type=int, default=100_000, help="tracks per playlist")
    parser.add_argument(
        "--convert-entries", type=int, default=1_000_000, help="entries of the big M3U"
    )
    parser.add_argument("--formats", default=",".join(FORMATS), help="comma-separated formats")
    parser.add_argument(
        "--repeat",
        type=int,
        default=5,
        help="runs of each case (codec and floor alike); the fastest counts",
    )
    args = parser.parse_args(argv)
    formats = [f for f in args.formats.split(",") if f]

    with tempfile.TemporaryDirectory(prefix="playlist-bench-") as tmp:
        directory = Path(tmp)
        if formats:
            print(f"writing {args.tracks:,}-track inputs for {', '.join(formats)}...", flush=True)
            # In a child, so the driver stays small (forked children inherit its pages).
            command = [sys.executable, __file__, "--inputs", str(directory), ",".join(formats)]
            subprocess.run([*command, str(args.tracks)], check=True)
        paths = {fmt: directory / f"bench.{_extension(fmt)}" for fmt in formats}
        header = (
            f"{'format':<6} {'op':<6} {'codec tr/s':>12} {'floor tr/s':>12} {'x floor':>8} "
            f"{'codec MB':>9} {'floor MB':>9} {'file MB':>8}  goal"
        )
        print(header)
        print("-" * len(header))
        misses = []
        for fmt in formats:
            path = paths[fmt]
            size_mb = path.stat().st_size / 1e6
            for op, floor_kind in (
                ("read", "floor-read"),
                ("iter", "floor-read"),
                ("write", "floor-write"),
            ):
                codec = _run_child(op, fmt, path, args.tracks, args.repeat)
                floor = _run_child(floor_kind, fmt, path, args.tracks, args.repeat)
                if "error" in codec or "error" in floor:
                    ratio_text, goal = "-", f"error: {codec.get('error') or floor.get('error')}"
                    misses.append((fmt, op))
                else:
                    ratio = codec["seconds"] / floor["seconds"]
                    ratio_text = f"{ratio:.1f}"
                    goal = "ok" if ratio <= GOAL_RATIO else "MISS"
                    if ratio > GOAL_RATIO:
                        misses.append((fmt, op))
                print(
                    f"{fmt:<6} {op:<6} {_rate(codec):>12} {_rate(floor):>12} {ratio_text:>8} "
                    f"{codec.get('rss_mb', 0):>9.0f} {floor.get('rss_mb', 0):>9.0f} "
                    f"{size_mb:>8.1f}  {goal}",
                    flush=True,
                )

        big = directory / "huge.m3u"
        print(f"\nwriting a {args.convert_entries:,}-entry M3U...", flush=True)
        _write_big_m3u(big, args.convert_entries)
        result = _run_child("convert", "m3u", big, args.convert_entries)
        if "error" in result:
            print(f"convert m3u -> csv: error: {result['error']}")
            return 1
        out_rows = sum(1 for _ in (directory / "huge.m3u.out.csv").open(encoding="utf-8-sig")) - 1
        verdict = "ok" if result["rss_mb"] < CONVERT_RSS_GOAL_MB else "MISS"
        print(
            f"playlist convert {big.stat().st_size / 1e6:.0f} MB M3U -> CSV: "
            f"{out_rows:,} rows in {result['seconds']:.1f} s CPU ({result['wall']:.1f} s wall, "
            f"{out_rows / result['seconds']:,.0f} entries/s), peak RSS {result['rss_mb']:.0f} MB "
            f"(goal < {CONVERT_RSS_GOAL_MB:.0f} MB): {verdict}"
        )
        if misses:
            print("\nabove 3x the floor: " + ", ".join(f"{f} {op}" for f, op in misses))
    return 0


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--inputs":
        _write_inputs(Path(sys.argv[2]), sys.argv[3].split(","), int(sys.argv[4]))
        raise SystemExit(0)
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        kind, fmt, path, count, repeat = sys.argv[2:7]
        print(json.dumps(_case(kind, fmt, path, int(count), int(repeat))))
        raise SystemExit(0)
    raise SystemExit(_main())
