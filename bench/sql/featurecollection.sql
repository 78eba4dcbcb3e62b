-- The whole-country choropleth as one hand-written PostGIS statement: every municipality's
-- geometry as GeoJSON with its indicator value, aggregated into a FeatureCollection.
-- Run by pgbench as a custom script.
SELECT json_build_object(
  'type', 'FeatureCollection',
  'features', json_agg(json_build_object(
    'type', 'Feature',
    'id', m.code,
    'geometry', ST_AsGeoJSON(m.geom)::json,
    'properties', json_build_object('code', m.code, 'name', m.name, 'value', i.cio_appointed)
  ) ORDER BY m.code)
)
FROM municipality m
LEFT JOIN indicator i USING (code);
