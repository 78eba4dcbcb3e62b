-- Features sharing a code become one MultiPolygon; a code whose features all lack a
-- geometry keeps a NULL geom.
INSERT INTO municipality (code, name, geom)
SELECT code,
       min(name),
       ST_Multi(ST_CollectionExtract(ST_Union(g), 3))::geometry(MultiPolygon, 4326)
FROM (
  SELECT code, name,
         CASE WHEN geojson IS NULL THEN NULL
              ELSE ST_MakeValid(ST_SetSRID(ST_GeomFromGeoJSON(geojson), 4326)) END AS g
  FROM boundary_stage
) s
GROUP BY code;

INSERT INTO indicator (code, cio_appointed)
SELECT s.code, s.value
FROM indicator_stage s
JOIN municipality m USING (code);

ANALYZE municipality;
ANALYZE indicator;
