#!/usr/bin/env python3
"""Vector tiles read by independent clients: mapbox-vector-tile decodes them, GEOS (through
shapely) judges their geometry, and the pmtiles package and sqlite3 read the archives.

DX Atlas writes Mapbox Vector Tiles in Rust (src/spatial/tile.rs, src/spatial/mvt.rs) and
archives them (src/tileset.rs). Its integration tests (tests/api/tiles.rs) run this script.

Input, one JSON object on stdin:

    {"tiles": [{"name": "10/909/403", "file": "/tmp/…/tile.mvt"}, ...],
     "geojson": {"z": 10, "x": 909, "y": 403, "file": "/tmp/…/map.geojson"},  # optional
     "pmtiles": "/tmp/…/japan.pmtiles",                                       # optional
     "mbtiles": "/tmp/…/japan.mbtiles",                                       # optional
     "archive_tiles": [[z, x, y], ...]}                                       # read back

Output, one JSON object on stdout:

    {"tiles": {"10/909/403": {"extent": {"municipalities": 4096, ...},
                              "features": {"municipalities": {"13101": {props}, ...}, ...},
                              "invalid": ["municipalities 13101: Self-intersection[…]", ...],
                              "overlap": {"municipalities": 0.0, ...},  # units²
                              "gaps": {"municipalities": [0.5, ...], ...}}},  # units²
     "agreement": {"13101": 0.21, ...},    # differing area / (perimeter × 1 unit)
     "pmtiles": {"header": {...}, "metadata": {...}, "tiles": {"z/x/y": "hex digest"}},
     "mbtiles": {"metadata": {...}, "tiles": {"z/x/y": "hex digest"}}}

Overlap is the area, in square tile units, that a layer's features cover twice: zero when
neighbours meet along shared borders. Gaps are the holes of a layer's union that two or more
areas border and that the GeoJSON at full precision ("land": its URL with {z}) mostly covers:
ground left between neighbours whose borders part. Digests are SHA-256 of the decompressed tile.

Needs: pip install mapbox-vector-tile shapely pmtiles
"""

import gzip
import hashlib
import json
import math
import sqlite3
import sys

import mapbox_vector_tile
from shapely.geometry import Polygon, box, shape
from shapely.ops import transform, unary_union
from shapely.validation import explain_validity

EXTENT = 4096


def decode(path):
    with open(path, "rb") as f:
        data = f.read()
    # Tile coordinates as written: y down, no flip.
    return mapbox_vector_tile.decode(data, default_options={"y_coord_down": True})


def judge(layers, land):
    extent, features, invalid, overlap, shapes = {}, {}, [], {}, {}
    for name, layer in layers.items():
        extent[name] = layer["extent"]
        shapes[name] = []
        features[name] = {}
        for f in layer["features"]:
            features[name][str(f["id"])] = f["properties"]
            g = shape(f["geometry"])
            if not g.is_valid or g.area <= 0:
                invalid.append(f"{name} {f['id']}: {explain_validity(g)}")
                continue
            shapes[name].append(g)
    gaps = {}
    for name, layer_shapes in shapes.items():
        union = unary_union(layer_shapes) if layer_shapes else None
        overlap[name] = sum(s.area for s in layer_shapes) - (union.area if union else 0.0)
        codes = set(features[name])
        gaps[name] = [h.area for h in holes(union) if is_gap(h, layer_shapes, codes, land)]
    return {
        "extent": extent,
        "features": features,
        "invalid": invalid,
        "overlap": overlap,
        "gaps": gaps,
    }


def holes(union):
    if union is None:
        return []
    return [Polygon(r) for part in getattr(union, "geoms", [union]) for r in part.interiors]


def is_gap(hole, layer_shapes, codes, land):
    """A hole in a layer's union is a gap left between neighbours when two or more areas
    border it and the map at full precision has land of the tile's areas on nearly all of it
    (90 %): a gap along a shared border has land on both sides, while a bay or channel that
    the grid closed is mostly water, and an area too small for the tile leaves its own hole."""
    if sum(1 for s in layer_shapes if s.distance(hole) == 0) < 2:
        return False
    lonlat = transform(land.unproject, hole)
    covered = sum(lonlat.intersection(g).area for g in land.near(lonlat, codes))
    return covered > 0.9 * lonlat.area


class Land:
    """The municipalities of the GeoJSON at the tile's zoom and 9 decimals, fetched from the
    server only when a tile has a hole to judge."""

    def __init__(self, url, z, x, y):
        self.url, self.z, self.x, self.y = url, z, x, y
        self.tree = None

    def near(self, g, codes):
        """Land near `g` of the areas whose codes (municipal or prefectural) are in `codes`."""
        if self.tree is None:
            from shapely.strtree import STRtree
            from urllib.request import urlopen

            with urlopen(self.url.format(z=self.z)) as r:
                collection = json.load(r)
            drawn = [f for f in collection["features"] if f["geometry"]]
            self.codes = [f["properties"]["code"] for f in drawn]
            self.shapes = [shape(f["geometry"]) for f in drawn]
            self.tree = STRtree(self.shapes)
        # Feature ids are the numeric codes: a municipality's own, or its prefecture's.
        return [
            self.shapes[i]
            for i in self.tree.query(g)
            if str(int(self.codes[i])) in codes or str(int(self.codes[i][:2])) in codes
        ]

    def unproject(self, xs, ys, zs=None):
        world = EXTENT * 2**self.z
        lons = [(px + self.x * EXTENT) / world * 360.0 - 180.0 for px in xs]
        lats = [
            math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * (py + self.y * EXTENT) / world))))
            for py in ys
        ]
        return lons, lats


def project(z, x, y):
    """Longitude/latitude to the units of tile z/x/y (y down), as Web Mercator defines them."""
    world = EXTENT * 2**z

    def f(lon, lat, *_):
        lat = max(min(lat, 85.0511287798066), -85.0511287798066)
        px = (lon + 180.0) / 360.0 * world - x * EXTENT
        s = math.sin(math.radians(lat))
        py = (0.5 - math.log((1 + s) / (1 - s)) / (4 * math.pi)) * world - y * EXTENT
        return px, py

    def g(xs, ys, zs=None):
        out = [f(a, b) for a, b in zip(xs, ys)]
        return [p[0] for p in out], [p[1] for p in out]

    return g


def agreement(spec, decoded):
    """Per municipality: the area where the tile and the projected GeoJSON differ, over what
    rounding to the tile's grid may move (its part's perimeter times one unit)."""
    with open(spec["file"], encoding="utf-8") as f:
        collection = json.load(f)
    proj = project(spec["z"], spec["x"], spec["y"])
    square = box(0, 0, EXTENT, EXTENT)
    tile_parts = {}
    for feature in decoded["municipalities"]["features"]:
        tile_parts[str(feature["id"])] = shape(feature["geometry"]).intersection(square)
    out = {}
    for feature in collection["features"]:
        if feature["geometry"] is None:
            continue
        code = feature["properties"]["code"]
        part = transform(proj, shape(feature["geometry"])).intersection(square)
        if part.is_empty:
            continue
        tile = tile_parts.get(str(int(code)))
        differ = tile.symmetric_difference(part).area if tile is not None else part.area
        out[code] = differ / max(part.length, 1.0)
    return out


def digest(data):
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    return hashlib.sha256(data).hexdigest()


def tile_lonlat(z, x, y):
    """West, south, east, north of tile z/x/y (Web Mercator, XYZ rows)."""
    n = 2**z

    def lat(row):
        return math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * row / n))))

    return [x / n * 360 - 180, lat(y + 1), (x + 1) / n * 360 - 180, lat(y)]


def held(zxys):
    """The zooms an archive's tiles span, and the box its deepest zoom's tiles cover."""
    zxys = list(zxys)
    deepest = max(z for z, _, _ in zxys)
    boxes = [tile_lonlat(z, x, y) for z, x, y in zxys if z == deepest]
    return {
        "min_zoom": min(z for z, _, _ in zxys),
        "max_zoom": deepest,
        "bounds": [
            min(b[0] for b in boxes),
            min(b[1] for b in boxes),
            max(b[2] for b in boxes),
            max(b[3] for b in boxes),
        ],
    }


def read_pmtiles(path, wanted):
    from pmtiles.reader import MmapSource, Reader, all_tiles

    with open(path, "rb") as f:
        reader = Reader(MmapSource(f))
        header = reader.header()
        metadata = reader.metadata()
        tiles = {}
        for z, x, y in wanted:
            data = reader.get(z, x, y)
            tiles[f"{z}/{x}/{y}"] = digest(data) if data else None
        contents = held(zxy for zxy, _ in all_tiles(MmapSource(f)))
    header = {k: (v.name if hasattr(v, "name") else v) for k, v in header.items()}
    return {"header": header, "metadata": metadata, "tiles": tiles, "held": contents}


def read_mbtiles(path, wanted):
    db = sqlite3.connect(path)
    metadata = dict(db.execute("SELECT name, value FROM metadata"))
    count = db.execute("SELECT count(*) FROM tiles").fetchone()[0]
    contents = held(
        (z, x, 2**z - 1 - row)
        for z, x, row in db.execute("SELECT zoom_level, tile_column, tile_row FROM tiles")
    )
    tiles = {}
    for z, x, y in wanted:
        row = db.execute(
            "SELECT tile_data FROM tiles WHERE zoom_level=? AND tile_column=? AND tile_row=?",
            (z, x, 2**z - 1 - y),
        ).fetchone()
        tiles[f"{z}/{x}/{y}"] = digest(row[0]) if row else None
    return {"metadata": metadata, "count": count, "tiles": tiles, "held": contents}


LAND_CACHE = {}


def main():
    request = json.load(sys.stdin)
    out = {"tiles": {}}
    decoded_by_name = {}
    for tile in request.get("tiles", []):
        decoded = decode(tile["file"])
        decoded_by_name[tile["name"]] = decoded
        z, x, y = (int(n) for n in tile["name"].split("/"))
        land = LAND_CACHE.setdefault(z, Land(request.get("land", ""), z, x, y))
        land.x, land.y = x, y
        out["tiles"][tile["name"]] = judge(decoded, land)
    spec = request.get("geojson")
    if spec:
        name = f"{spec['z']}/{spec['x']}/{spec['y']}"
        out["agreement"] = agreement(spec, decoded_by_name[name])
    wanted = request.get("archive_tiles", [])
    if request.get("pmtiles"):
        out["pmtiles"] = read_pmtiles(request["pmtiles"], wanted)
    if request.get("mbtiles"):
        out["mbtiles"] = read_mbtiles(request["mbtiles"], wanted)
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
