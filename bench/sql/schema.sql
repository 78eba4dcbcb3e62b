-- Comparison schema for the DX Atlas benchmark: the same municipalities and one survey
-- indicator, as a PostGIS table pair that PostGraphile turns into a GraphQL API.
CREATE EXTENSION IF NOT EXISTS postgis;

DROP TABLE IF EXISTS indicator;
DROP TABLE IF EXISTS municipality;

CREATE TABLE municipality (
  code text PRIMARY KEY,
  name text,
  geom geometry(MultiPolygon, 4326)
);

-- One row per municipality: the answer to "has a CIO been appointed", as DX Atlas's
-- /choropleth.csv?indicator=cio.appointed reports it in its `value` column.
CREATE TABLE indicator (
  code text PRIMARY KEY REFERENCES municipality (code),
  cio_appointed text
);

-- Staging rows written by lib/load_postgis.py, one per source feature.
CREATE TEMP TABLE boundary_stage (code text, name text, geojson text);
CREATE TEMP TABLE indicator_stage (code text, value text);
