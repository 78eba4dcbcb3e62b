-- The tile function martin serves from PostGIS in bench/tiles: the municipal boundaries of
-- lib/load_postgis.py as Mapbox Vector Tiles, cut and simplified by PostGIS itself
-- (ST_AsMVTGeom: extent 4096, buffer 64, clipped), with the same properties and feature ids
-- as DX Atlas's municipal layer. martin finds it by its signature (z, x, y) → bytea.
CREATE INDEX IF NOT EXISTS municipality_geom ON municipality USING gist (geom);
ALTER TABLE municipality ADD COLUMN IF NOT EXISTS geom_3857 geometry(MultiPolygon, 3857);
UPDATE municipality SET geom_3857 = ST_Transform(geom, 3857);
CREATE INDEX IF NOT EXISTS municipality_geom_3857 ON municipality USING gist (geom_3857);
ANALYZE municipality;

CREATE OR REPLACE FUNCTION dx_boundaries(z integer, x integer, y integer)
RETURNS bytea AS $$
  SELECT ST_AsMVT(tile, 'municipalities', 4096, 'geom', 'id')
  FROM (
    SELECT code::bigint AS id, code, name,
           ST_AsMVTGeom(geom_3857, ST_TileEnvelope(z, x, y), 4096, 64, true) AS geom
    FROM municipality
    WHERE geom_3857 && ST_TileEnvelope(z, x, y, margin => 64.0 / 4096)
  ) AS tile
  WHERE geom IS NOT NULL
$$ LANGUAGE sql STABLE PARALLEL SAFE;
