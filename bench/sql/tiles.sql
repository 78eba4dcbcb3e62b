-- The tile function martin serves from PostGIS in bench/tiles: the municipal boundaries of
-- lib/load_postgis.py as Mapbox Vector Tiles, cut and simplified by PostGIS itself
-- (ST_AsMVTGeom: extent 4096, buffer 64, clipped), in the two layers DX Atlas's tiles have:
-- `municipalities` (feature id the numeric code; code, name and prefecture) and `prefectures`
-- (the municipalities dissolved by prefecture; id and code). DX Atlas's features also carry
-- kind and administered, and its prefectures a name, which the N03 file does not give
-- directly. martin finds the function by its signature (z, x, y) → bytea.
CREATE INDEX IF NOT EXISTS municipality_geom ON municipality USING gist (geom);
ALTER TABLE municipality ADD COLUMN IF NOT EXISTS geom_3857 geometry(MultiPolygon, 3857);
UPDATE municipality SET geom_3857 = ST_Transform(geom, 3857);
CREATE INDEX IF NOT EXISTS municipality_geom_3857 ON municipality USING gist (geom_3857);
ANALYZE municipality;

CREATE TABLE IF NOT EXISTS prefecture_3857 AS
  SELECT left(code, 2) AS code, ST_Multi(ST_Union(geom_3857))::geometry(MultiPolygon, 3857) AS geom
  FROM municipality
  WHERE geom_3857 IS NOT NULL
  GROUP BY left(code, 2);
CREATE INDEX IF NOT EXISTS prefecture_3857_geom ON prefecture_3857 USING gist (geom);
ANALYZE prefecture_3857;

-- A tile is its layers' encodings one after the other (a tile is a sequence of layers).
CREATE OR REPLACE FUNCTION dx_boundaries(z integer, x integer, y integer)
RETURNS bytea AS $$
  SELECT coalesce((
    SELECT ST_AsMVT(m, 'municipalities', 4096, 'geom', 'id')
    FROM (
      SELECT code::bigint AS id, code, name, left(code, 2) AS prefecture,
             ST_AsMVTGeom(geom_3857, ST_TileEnvelope(z, x, y), 4096, 64, true) AS geom
      FROM municipality
      WHERE geom_3857 && ST_TileEnvelope(z, x, y, margin => 64.0 / 4096)
    ) AS m
    WHERE geom IS NOT NULL
  ), ''::bytea) || coalesce((
    SELECT ST_AsMVT(p, 'prefectures', 4096, 'geom', 'id')
    FROM (
      SELECT code::bigint AS id, code,
             ST_AsMVTGeom(geom, ST_TileEnvelope(z, x, y), 4096, 64, true) AS geom
      FROM prefecture_3857
      WHERE geom && ST_TileEnvelope(z, x, y, margin => 64.0 / 4096)
    ) AS p
    WHERE geom IS NOT NULL
  ), ''::bytea)
$$ LANGUAGE sql STABLE PARALLEL SAFE;
