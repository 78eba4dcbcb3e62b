// DX Atlas map page: a choropleth of one survey indicator or official statistic over Japan's
// municipalities or prefectures (a count per residents, a weighted share, or two variables
// at once with their scatter plot), drawn with MapLibre GL JS from DX Atlas's own vector tiles: each
// tile carries the areas' values and colours, simplified for its zoom, so zooming into a city loads
// finer borders for that city alone. The map style has no external sources, glyphs or sprites, so
// the page never loads anything from another site.

const JAPAN_BOUNDS = [[122.9, 24.0], [146.0, 45.6]];

// The tile layers of each map level, and the deepest zoom the server makes tiles for (MapLibre
// draws deeper zooms from those).
const SOURCE_LAYERS = { MUNICIPALITY: 'municipalities', PREFECTURE: 'prefectures' };
const MAX_TILE_ZOOM = 14;

// A filter that matches no feature (every feature has a code).
const NO_FEATURE = ['==', ['get', 'code'], ''];

const CHOICE_TYPES = new Set(['YES_NO', 'SINGLE_CHOICE', 'MULTIPLE_CHOICE', 'PLANNING_STATUS']);

const KIND_LABELS = {
  DESIGNATED_CITY: '政令指定都市 Designated city',
  CORE_CITY: '中核市 Core city',
  SPECIAL_WARD: '特別区 Special ward',
  CITY: '市 City',
  TOWN: '町 Town',
  VILLAGE: '村 Village',
};

const METHOD_LABELS = {
  categories: '回答別 By answer',
  quantiles: '分位数 Quantiles',
  equal_interval: '等間隔 Equal interval',
  natural_breaks: '自然分類 Natural breaks',
  standard_deviation: '標準偏差 Standard deviation',
  manual: '手動 Manual',
};

const PALETTE_KINDS = {
  SEQUENTIAL: '連続 Sequential',
  DIVERGING: '発散 Diverging',
  QUALITATIVE: '質的 Qualitative',
};

// What the values on the map are: said of the map's own values, not of the edition, which
// holds official and synthetic answers side by side.
const PROVENANCE_STATEMENTS = {
  CALIBRATED_SYNTHETIC: () =>
    '注意：この地図の団体別の値は、公表された集計値を再現するよう調整した合成データです。個々の団体の実際の回答ではありません。',
  OFFICIAL: (p) => `公式データ：この地図の値（${p.official}団体）は、すべて各団体の実際の回答です。`,
  MIXED: (p) =>
    `公式データと合成データの混在：この地図の値のうち${p.official}団体は実際の回答（公式データ）、${p.synthetic}団体は公表集計値を再現するよう調整した合成データで、その団体の実際の回答ではありません。団体をクリックすると値ごとの出典を示します。`,
};

const NUMBER = new Intl.NumberFormat('ja-JP', { maximumFractionDigits: 1 });
const PERCENT = new Intl.NumberFormat('ja-JP', { style: 'percent', maximumFractionDigits: 1 });

const $ = (id) => document.getElementById(id);

// What the page shows. `drawn` is the query string of the choropleth on screen (null before the
// first one); `selected` is the code of the area whose answers the side panel lists.
const state = {
  edition: '',
  indicator: 'cio.appointed',
  option: '',
  level: 'MUNICIPALITY',
  prefectureValue: 'OWN_ANSWER',
  classification: 'QUANTILES',
  classes: 5,
  breaks: '',
  palette: '',
  per: '',
  scale: '10000',
  weight: '',
  bivariate: '',
  drawn: null,
  selected: null,
};

// Survey editions, sections, indicators, official statistics and palettes, loaded once.
const catalogue = { surveys: [], sections: [], indicators: new Map(), statistics: new Map(), palettes: [] };

// The factors a count may be mapped per (per 10,000 residents…).
const SCALES = ['1', '1000', '10000', '100000'];

// The choropleth on screen: its legend, statistics, edition, credit and downloads (the
// `choropleth` member of its TileJSON), and for a bivariate map `areas`, each area's name and
// colour by code (from its CSV download), which the scatter plot needs.
let current = null;

// Prefecture names by code (municipal features carry none).
let prefectureNames = new Map();

let resolveReady;
let rejectReady;
const ready = new Promise((resolve, reject) => {
  resolveReady = resolve;
  rejectReady = reject;
});
// The page reports its own errors in the status line; this only keeps the browser from
// flagging the promise as unhandled when nobody awaits it.
ready.catch(() => {});

const map = new maplibregl.Map({
  container: 'map',
  bounds: JAPAN_BOUNDS,
  fitBoundsOptions: { padding: 24 },
  attributionControl: false,
  dragRotate: false,
  pitchWithRotate: false,
  style: {
    version: 8,
    // Until the first map is chosen, the boundary tiles (which carry no colours: nothing is filled).
    sources: {
      choropleth: { type: 'vector', tiles: [`${location.origin}/tiles/{z}/{x}/{y}.mvt`], minzoom: 0, maxzoom: MAX_TILE_ZOOM },
    },
    layers: [
      { id: 'background', type: 'background', paint: { 'background-color': '#e4edf3' } },
      ...levelLayers('MUNICIPALITY'),
    ],
  },
});

// The layers drawn from the tiles' layer of `level` (the map's own areas), and the prefecture
// outlines over them. Only areas of the map carry a colour; the others stay unfilled.
function levelLayers(level) {
  const sourceLayer = SOURCE_LAYERS[level];
  const own = { source: 'choropleth', 'source-layer': sourceLayer };
  return [
    { id: 'choropleth-fill', type: 'fill', ...own, filter: ['has', 'colour'], paint: { 'fill-color': ['get', 'colour'] } },
    {
      id: 'choropleth-outline',
      type: 'line',
      ...own,
      filter: ['has', 'colour'],
      paint: { 'line-color': '#ffffff', 'line-width': ['interpolate', ['linear'], ['zoom'], 4, 0.15, 9, 1], 'line-opacity': 0.8 },
    },
    { id: 'prefecture-outline', type: 'line', source: 'choropleth', 'source-layer': 'prefectures', paint: { 'line-color': '#404040', 'line-width': 0.8 } },
    { id: 'hover-outline', type: 'line', ...own, filter: NO_FEATURE, paint: { 'line-color': '#111111', 'line-width': 2 } },
    { id: 'selected-outline', type: 'line', ...own, filter: NO_FEATURE, paint: { 'line-color': '#d7301f', 'line-width': 2.5 } },
  ];
}

// Draws the map's tiles: a new source (a fresh one holds no tile of the previous map, so the
// `idle` that follows means the new map is on screen) and the layers of the map's level.
function showTiles(tiles, level) {
  for (const layer of levelLayers(level)) {
    if (map.getLayer(layer.id)) map.removeLayer(layer.id);
  }
  map.removeSource('choropleth');
  map.addSource('choropleth', { type: 'vector', tiles, minzoom: 0, maxzoom: MAX_TILE_ZOOM });
  for (const layer of levelLayers(level)) map.addLayer(layer);
  if (state.selected) map.setFilter('selected-outline', ['==', ['get', 'code'], state.selected]);
}
map.addControl(new maplibregl.NavigationControl({ showCompass: false }), 'top-right');
map.addControl(new maplibregl.ScaleControl(), 'bottom-right');

// Hooks for the browser tests, unused by the page itself: the MapLibre map, `ready` (a promise
// settled when the first choropleth is drawn) and the live `state` (`state.drawn` changes after
// every redraw, once the new map is on screen).
window.dxAtlas = { map, ready, state };

const mapLoaded = new Promise((resolve) => map.once('load', resolve));

async function graphql(query, variables = {}) {
  const response = await fetch('/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query, variables }),
  });
  const body = await response.json();
  if (body.errors?.length) throw new Error(body.errors.map((e) => e.message).join('; '));
  return body.data;
}

async function getJson(url, signal) {
  const response = await fetch(url, { signal });
  const body = await response.json();
  // The download endpoints answer errors as {"error": {"code", "message"}}.
  if (!response.ok) throw new Error(body.error?.message ?? `${response.status} ${url}`);
  return body;
}

// Replaces a node's children, skipping the absent ones (conditional parts are written as `cond ? node : null`).
function fill(node, ...children) {
  node.replaceChildren(...children.filter((child) => child !== null && child !== undefined));
}

function element(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (name === 'class') node.className = value;
    else if (value !== undefined && value !== null && value !== false) node.setAttribute(name, value === true ? '' : value);
  }
  fill(node, ...children);
  return node;
}

function setStatus(text, isError = false) {
  $('status').textContent = text;
  $('status').classList.toggle('error', isError);
}

// ---- Choices offered by the form -----------------------------------------------------------

// An official statistic (SSDSE-A) is mapped as an indicator is: a number per municipality,
// without options, editions or prefectures' own answers.
function statisticAsIndicator(s) {
  return {
    code: s.code,
    section: null,
    labelJa: s.label,
    labelEn: `${s.source.title}, ${s.year}${s.unit ? ` (${s.unit})` : ''}`,
    type: 'STATISTIC',
    asked: 'MUNICIPALITIES',
    hasData: true,
    note: s.formula ?? '',
    options: [],
    condition: null,
    unit: s.unit,
  };
}

// The indicator or statistic named `code`.
function variable(code) {
  return catalogue.indicators.get(code) ?? catalogue.statistics.get(code);
}

function indicator() {
  return variable(state.indicator);
}

function isStatistic() {
  return indicator().type === 'STATISTIC';
}

// Variables a bivariate map takes as its second: statistics, and counts and rates of municipalities.
function secondVariables() {
  return [...catalogue.indicators.values()].filter((ind) => ind.hasData && NUMERIC_TYPES.includes(ind.type) && askedOf(ind, 'MUNICIPALITY'));
}

function askedOf(ind, subject) {
  return ind.asked === 'BOTH' || ind.asked === (subject === 'PREFECTURE' ? 'PREFECTURES' : 'MUNICIPALITIES');
}

function isMunicipalShare() {
  return state.level === 'PREFECTURE' && state.prefectureValue === 'MUNICIPAL_SHARE';
}

// Counts and rates are numbers; so is a prefecture's share of municipalities (or their mean).
const NUMERIC_TYPES = ['COUNT', 'RATE', 'STATISTIC'];

function isNumeric() {
  return NUMERIC_TYPES.includes(indicator().type) || isMunicipalShare();
}

// Multiple choice maps one option at a time, and a share is the share of one option.
function optionRequired() {
  const ind = indicator();
  return ind.type === 'MULTIPLE_CHOICE' || (isMunicipalShare() && !NUMERIC_TYPES.includes(ind.type));
}

function fillCatalogueControls() {
  $('edition').replaceChildren(
    ...catalogue.surveys.map((s) => element('option', { value: s.code }, `${s.code} ${s.title}`)),
  );

  const bySection = new Map(catalogue.sections.map((s) => [s.code, { section: s, indicators: [] }]));
  for (const ind of catalogue.indicators.values()) {
    if (!bySection.has(ind.section)) bySection.set(ind.section, { section: { code: ind.section, labelJa: '', labelEn: '' }, indicators: [] });
    bySection.get(ind.section).indicators.push(ind);
  }
  $('indicator').replaceChildren(
    ...[...bySection.values()]
      .filter((group) => group.indicators.length > 0)
      .map(({ section, indicators }) =>
        element(
          'optgroup',
          { label: `${section.code} ${section.labelJa} / ${section.labelEn}` },
          ...indicators.map((ind) =>
            element(
              'option',
              { value: ind.code, disabled: !ind.hasData },
              `${ind.labelJa} (${ind.labelEn})${ind.hasData ? '' : ' — 集計値なし no data'}`,
            ),
          ),
        ),
      ),
    statisticsGroup(),
  );
  const none = (text) => element('option', { value: '' }, text);
  $('per').replaceChildren(none('なし None'), statisticsGroup());
  $('weight').replaceChildren(none('なし Each municipality counts once'), statisticsGroup());
  $('bivariate').replaceChildren(
    none('なし None'),
    statisticsGroup(),
    element(
      'optgroup',
      { label: '調査の数値 Survey counts and rates' },
      ...secondVariables().map((ind) => element('option', { value: ind.code }, `${ind.labelJa} (${ind.labelEn})`)),
    ),
  );

  const kinds = Object.keys(PALETTE_KINDS);
  $('palette').replaceChildren(
    element('option', { value: '' }, '既定 Default'),
    ...kinds.map((kind) =>
      element(
        'optgroup',
        { label: PALETTE_KINDS[kind] },
        ...catalogue.palettes.filter((p) => p.kind === kind).map((p) => element('option', { value: p.name }, p.name)),
      ),
    ),
  );
}

// The official statistics as a group of choices.
function statisticsGroup() {
  return element(
    'optgroup',
    { label: '統計 Official statistics (SSDSE-A)' },
    ...[...catalogue.statistics.values()].map((s) => element('option', { value: s.code }, `${s.labelJa} — ${s.labelEn}`)),
  );
}

// Brings the form in line with `state`, offering only what the current indicator allows.
function syncForm() {
  const ind = indicator();
  const form = $('controls');

  // An indicator asked of one subject only cannot be mapped for the other.
  const municipalities = form.querySelector('input[name=level][value=MUNICIPALITY]');
  const ownAnswer = form.querySelector('input[name=prefectureValue][value=OWN_ANSWER]');
  municipalities.disabled = !askedOf(ind, 'MUNICIPALITY');
  ownAnswer.disabled = !askedOf(ind, 'PREFECTURE');
  if (municipalities.disabled) state.level = 'PREFECTURE';
  if (ownAnswer.disabled && state.level === 'PREFECTURE') state.prefectureValue = 'MUNICIPAL_SHARE';

  const options = CHOICE_TYPES.has(ind.type) ? ind.options : [];
  const required = optionRequired();
  if (!options.some((o) => o.code === state.option)) state.option = '';
  if (required && !state.option && options.length) state.option = options[0].code;
  $('option').replaceChildren(
    ...(required ? [] : [element('option', { value: '' }, 'すべての回答を色分け All answers')]),
    ...options.map((o) => element('option', { value: o.code }, `${o.labelJa} (${o.labelEn})`)),
  );
  $('option-field').hidden = options.length === 0;

  const palette = catalogue.palettes.find((p) => p.name === state.palette);
  $('classes').max = palette ? palette.maxClasses : 9;
  // A count of a municipality may be read per residents (or any statistic); a prefecture's
  // share of municipalities may weight each by a statistic; two numbers make a bivariate map.
  const perAllowed = ind.type === 'COUNT' && state.level === 'MUNICIPALITY';
  if (!perAllowed) state.per = '';
  if (!isMunicipalShare()) state.weight = '';
  const bivariateAllowed = isNumeric() && state.level === 'MUNICIPALITY';
  if (!bivariateAllowed) state.bivariate = '';
  $('per-field').hidden = !perAllowed;
  $('weight-field').hidden = !isMunicipalShare();
  $('bivariate-field').hidden = !bivariateAllowed;
  $('edition').disabled = isStatistic();
  $('palette-field').hidden = Boolean(state.bivariate);
  $('classification-field').hidden = !isNumeric() || Boolean(state.bivariate);
  $('breaks-field').hidden = state.classification !== 'MANUAL';
  $('classes-field').hidden = state.classification === 'MANUAL';
  $('prefecture-value-field').hidden = state.level !== 'PREFECTURE';

  $('edition').value = state.edition;
  $('indicator').value = state.indicator;
  $('option').value = state.option;
  form.querySelector(`input[name=level][value=${state.level}]`).checked = true;
  form.querySelector(`input[name=prefectureValue][value=${state.prefectureValue}]`).checked = true;
  $('classification').value = state.classification;
  $('classes').value = state.classes;
  $('breaks').value = state.breaks;
  $('palette').value = state.palette;
  $('per').value = state.per;
  $('scale').value = state.scale;
  $('weight').value = state.weight;
  $('bivariate').value = state.bivariate;

  const notes = [`${ind.code} · ${ind.type}${ind.unit ? ` · ${ind.unit}` : ''}`];
  if (ind.condition) {
    const parent = catalogue.indicators.get(ind.condition.indicator);
    const option = parent?.options.find((o) => o.code === ind.condition.option);
    notes.push(`対象：「${parent?.labelJa ?? ind.condition.indicator}」で「${option?.labelJa ?? ind.condition.option}」と回答した団体`);
  }
  $('indicator-note').textContent = notes.join(' — ');
  // How the question is modelled matters to few readers: it is there on hover.
  $('indicator-note').title = ind.note ?? '';
}

function readForm() {
  const form = new FormData($('controls'));
  const previous = state.indicator;
  state.edition = form.get('edition') ?? state.edition;
  state.indicator = form.get('indicator') ?? state.indicator;
  state.option = state.indicator === previous ? form.get('option') ?? '' : '';
  state.level = form.get('level') ?? state.level;
  state.prefectureValue = form.get('prefectureValue') ?? state.prefectureValue;
  state.classification = form.get('classification') ?? state.classification;
  state.classes = Number(form.get('classes')) || 5;
  state.breaks = form.get('breaks') ?? '';
  state.palette = form.get('palette') ?? '';
  state.per = form.get('per') ?? '';
  state.scale = form.get('scale') ?? state.scale;
  state.weight = form.get('weight') ?? '';
  state.bivariate = form.get('bivariate') ?? '';
}

// ---- The choropleth ------------------------------------------------------------------------

// Parameters of the choropleth for the current state (of its tiles, TileJSON and downloads
// alike), also kept in the page's address so that a map can be shared as a link.
function choroplethQuery() {
  const params = new URLSearchParams({ indicator: state.indicator, level: state.level });
  // A statistic has a year of its own, not a survey edition.
  if (state.edition && !isStatistic()) params.set('edition', state.edition);
  if (state.option) params.set('option', state.option);
  if (state.level === 'PREFECTURE') params.set('prefectureValue', state.prefectureValue);
  if (state.per) {
    params.set('per', state.per);
    params.set('scale', state.scale);
  }
  if (state.weight) params.set('weight', state.weight);
  // A bivariate map has its own classes (tertiles of each variable) and colours.
  if (state.bivariate) {
    params.set('bivariate', state.bivariate);
    return params;
  }
  if (isNumeric()) {
    params.set('classification', state.classification);
    if (state.classification === 'MANUAL') params.set('breaks', state.breaks.replace(/\s+/g, ''));
    else params.set('classes', String(state.classes));
  }
  if (state.palette) params.set('palette', state.palette);
  return params;
}

// Takes the map named in the page's address, ignoring what the catalogue does not offer.
function applyAddress() {
  const params = new URLSearchParams(location.hash.slice(1));
  const statistics = [...catalogue.statistics.keys()];
  const mappable = [...catalogue.indicators.values()].filter((ind) => ind.hasData).map((ind) => ind.code).concat(statistics);
  const allowed = {
    per: statistics,
    scale: SCALES,
    weight: statistics,
    bivariate: statistics.concat(secondVariables().map((ind) => ind.code)),
    indicator: mappable,
    edition: catalogue.surveys.map((s) => s.code),
    level: ['MUNICIPALITY', 'PREFECTURE'],
    prefectureValue: ['OWN_ANSWER', 'MUNICIPAL_SHARE'],
    classification: [...$('classification').options].map((o) => o.value),
    palette: catalogue.palettes.map((p) => p.name),
  };
  for (const [key, values] of Object.entries(allowed)) {
    if (values.includes(params.get(key))) state[key] = params.get(key);
  }
  if (!mappable.includes(state.indicator)) state.indicator = mappable[0];
  // syncForm drops an option the indicator does not have.
  if (params.has('option')) state.option = params.get('option');
  if (params.has('breaks')) state.breaks = params.get('breaks');
  if (params.has('classes')) state.classes = Number(params.get('classes')) || state.classes;
}

// The request in flight, if any: { key, controller }.
let pending = null;

async function draw() {
  if (isNumeric() && state.classification === 'MANUAL' && !state.breaks.trim()) {
    setStatus('各階級の上限を入力してください Enter the upper bounds of the classes');
    return;
  }
  const params = choroplethQuery();
  const key = params.toString();
  if (key === (pending?.key ?? state.drawn)) return;
  pending?.controller.abort();
  const controller = new AbortController();
  pending = { key, controller };
  setStatus('読み込み中… Loading');
  try {
    const [tilejson] = await Promise.all([getJson(`/tiles/choropleth.json?${params}`, controller.signal), mapLoaded]);
    const doc = tilejson.choropleth;
    if (doc.bivariate) doc.areas = await areaColours(doc, controller.signal);
    if (controller.signal.aborted) return;
    current = doc;
    showTiles(tilejson.tiles, state.level);
    renderLegend(doc);
    renderDownloads(doc);
    renderProvenance(doc);
    renderScatter(doc);
    // The provenance banner appears with the first map and shrinks the map area: frame Japan again.
    if (state.drawn === null) {
      map.resize();
      map.fitBounds(JAPAN_BOUNDS, { padding: 24, animate: false });
    }
    await new Promise((resolve) => map.once('idle', resolve));
    if (controller.signal.aborted) return;
    pending = null;
    state.drawn = key;
    history.replaceState(null, '', `#${key}`);
    setStatus('');
    resolveReady(true);
  } catch (error) {
    if (controller.signal.aborted) return;
    pending = null;
    setStatus(`地図を描けませんでした Could not draw the map: ${error.message}`, true);
    if (state.drawn === null) rejectReady(error);
  }
}

// Prefecture names, for the tooltips of municipalities.
async function loadPrefectureNames() {
  const data = await graphql('{ prefectures { code name } }');
  prefectureNames = new Map(data.prefectures.map((p) => [p.code, p.name]));
}

function loadPrefectureNamesOrReport() {
  return loadPrefectureNames().catch((error) => {
    setStatus(`都道府県名を読み込めませんでした Could not load prefecture names: ${error.message}`, true);
  });
}

// Each area's name and colour by code, from the map's CSV download (tiles hold only the areas
// in view; the scatter plot shows them all).
async function areaColours(doc, signal) {
  const response = await fetch(doc.downloads.csv, { signal });
  if (!response.ok) throw new Error(`${response.status} ${doc.downloads.csv}`);
  const [header, ...rows] = (await response.text()).trim().split('\n').map(csvFields);
  const column = (name) => header.indexOf(name);
  const [code, name, colour] = [column('code'), column('name'), column('colour')];
  return new Map(rows.map((row) => [row[code], { name: row[name], colour: row[colour] }]));
}

// The fields of one CSV line (RFC 4180: quoted fields may hold commas and doubled quotes).
function csvFields(line) {
  const fields = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i += 1) {
    const c = line[i];
    if (quoted && c === '"' && line[i + 1] === '"') {
      field += '"';
      i += 1;
    } else if (c === '"') {
      quoted = !quoted;
    } else if (c === ',' && !quoted) {
      fields.push(field);
      field = '';
    } else {
      field += c.replace('\r', '');
    }
  }
  fields.push(field);
  return fields;
}

function optionLabel(ind, code) {
  const option = ind.options.find((o) => o.code === code);
  return option ? `${option.labelJa} (${option.labelEn})` : code;
}

// The indicator of a choropleth document. Labels and values are read through the document
// rather than the form, which may already name the next map while this one is on screen.
function indicatorOf(doc) {
  return variable(doc.indicator.code);
}

// The legend's labels are the survey's Japanese wording; add the English label where known.
function classLabel(doc, entry) {
  const option = indicatorOf(doc).options.find((o) => o.labelJa === entry.label);
  return option ? `${entry.label} (${option.labelEn})` : entry.label;
}

function formatValue(doc, value) {
  if (value === null || value === undefined) return 'データなし No data';
  if (typeof value !== 'number') return optionLabel(indicatorOf(doc), value);
  if (doc.indicator.type === 'STATISTIC') return `${NUMBER.format(value)}${doc.indicator.unit ? ` ${doc.indicator.unit}` : ''}`;
  // Numbers of a choice indicator are shares of municipalities (fractions); of a count, counts
  // or means; of a rate, percentages as published (72.5 for 72.5%) or their means.
  if (doc.indicator.type === 'RATE') return `${NUMBER.format(value)}%`;
  return doc.indicator.type === 'COUNT' ? NUMBER.format(value) : PERCENT.format(value);
}

// What a `per` map divides by, as its legend says it: "per 10,000 of 総人口 (人, 2020)".
function perText(per) {
  return `${NUMBER.format(per.scale)} ${per.unit ?? ''} あたり per ${NUMBER.format(per.scale)} of ${per.label} (${per.statistic}, ${per.year})`;
}

function renderLegend(doc) {
  if (doc.bivariate) {
    renderBivariateLegend(doc);
    return;
  }
  const ind = indicatorOf(doc);
  const { legend, statistics } = doc;
  const subject = state.level === 'PREFECTURE'
    ? (state.prefectureValue === 'MUNICIPAL_SHARE' ? '都道府県別・市区町村の割合 Share of municipalities by prefecture' : '都道府県の回答 Prefectures’ own answers')
    : '市区町村の回答 Municipalities’ answers';
  const row = (colour, label, count, extra = {}) =>
    element(
      'li',
      { class: 'legend-class', ...extra },
      element('span', { class: 'swatch', style: `background:${colour}` }),
      element('span', { class: 'legend-label' }, label),
      element('span', { class: 'legend-count' }, NUMBER.format(count)),
    );
  const summary = legend.numeric
    ? `n=${statistics.n} · 最小 min ${formatValue(doc, statistics.min)} · 中央値 median ${formatValue(doc, statistics.median)} · 平均 mean ${formatValue(doc, statistics.mean)} · 最大 max ${formatValue(doc, statistics.max)}`
    : `n=${statistics.n}`;
  fill($('legend'),
    element('h2', {}, ind.labelJa, element('span', { class: 'en' }, ind.labelEn)),
    doc.indicator.option ? element('p', { class: 'legend-option' }, `選択肢 Option: ${optionLabel(ind, doc.indicator.option)}`) : null,
    doc.per ? element('p', { class: 'legend-option' }, perText(doc.per)) : null,
    element('p', { class: 'hint' }, `${subject} · ${METHOD_LABELS[legend.method] ?? legend.method}`),
    element(
      'ol',
      { class: 'legend-classes' },
      ...legend.classes.map((c) => row(c.colour, classLabel(doc, c), c.count, { 'data-class': c.index })),
      row(legend.missing.colour, 'データなし（対象外・無回答） No data', legend.missing.count, { 'data-class': 'missing' }),
    ),
    element('p', { class: 'hint' }, summary),
  );
}

// A bivariate legend: the 3 × 3 grid of colours, the first variable across (low to high), the
// second up, each cell with its count of municipalities.
function renderBivariateLegend(doc) {
  const { x, y } = doc.bivariate;
  const cell = (c) =>
    element(
      'li',
      { class: 'legend-class grid-cell', 'data-class': c.index, title: c.label },
      element('span', { class: 'swatch', style: `background:${c.colour}` }),
      element('span', { class: 'legend-label' }, c.label),
      element('span', { class: 'legend-count' }, NUMBER.format(c.count)),
    );
  // Rows from high y (top) to low; within a row, low x to high.
  const rows = [2, 1, 0].flatMap((yi) => [0, 1, 2].map((xi) => doc.legend.classes[yi * 3 + xi]).filter(Boolean));
  const { missing } = doc.legend;
  fill($('legend'),
    element('h2', {}, `${x.label} × ${y.label}`, element('span', { class: 'en' }, `x: ${x.code} · y: ${y.code}${y.year ? ` (${y.year})` : ''}`)),
    doc.per ? element('p', { class: 'legend-option' }, `x: ${perText(doc.per)}`) : null,
    element('p', { class: 'hint' }, '3分位 × 3分位 Tertiles of each: x → 右 right, y ↑ 上 up'),
    element('ol', { class: 'legend-grid' }, ...rows.map(cell)),
    element(
      'ol',
      { class: 'legend-classes' },
      element(
        'li',
        { class: 'legend-class', 'data-class': 'missing' },
        element('span', { class: 'swatch', style: `background:${missing.colour}` }),
        element('span', { class: 'legend-label' }, 'データなし（どちらかが欠測） No data for one of them'),
        element('span', { class: 'legend-count' }, NUMBER.format(missing.count)),
      ),
    ),
    element('p', { class: 'hint' }, `n=${doc.statistics.n}`),
  );
}

function renderDownloads(doc) {
  const link = (href, text) => element('a', { href, download: true }, text);
  $('downloads').replaceChildren(
    element('h2', {}, 'この地図をダウンロード ', element('span', { class: 'en' }, 'Download this map')),
    // Spreadsheets first, in the words their users know; then GIS files.
    element('p', {},
      link(doc.downloads.xlsx, 'Excel'), ' · ',
      link(doc.downloads.excelCsv, 'CSV for Excel'), ' · ',
      link(doc.downloads.csv, 'CSV (UTF-8, pandas/R)')),
    element('p', {},
      link(doc.downloads.geopackage, 'GeoPackage'), ' · ',
      link(doc.downloads.flatgeobuf, 'FlatGeobuf'), ' · ',
      link(doc.downloads.geojson, 'GeoJSON'), ' · ',
      link(doc.downloads.topojson, 'TopoJSON')),
    ...wholeSurvey(link, doc),
  );
}

// The edition of the map (a statistic's map: the newest) as one dataset: every indicator of
// every authority, official values only.
function wholeSurvey(link, doc) {
  const survey = catalogue.surveys.find((s) => s.code === doc.edition?.code) ?? catalogue.surveys[0];
  if (!survey?.downloads) return [];
  return [element('p', {},
    `調査全体 The whole survey (${survey.code}): `,
    link(survey.downloads.package, 'Data package (zip)'), ' · ',
    link(survey.downloads.wideXlsx, 'Excel'), ' · ',
    link(survey.downloads.wideCsv, 'CSV (wide)'), ' · ',
    link(survey.downloads.longCsv, 'CSV (long)'))];
}

let attributionAdded = false;

function renderProvenance(doc) {
  // A map of a statistic has no survey edition: its sources say where its values come from.
  const edition = doc.edition ?? null;
  const survey = edition && catalogue.surveys.find((s) => s.code === edition.code);
  const values = doc.provenance;
  const sources = doc.sources.map((s) => `${s.title} (${s.publisher}${s.published ? `, ${s.published}` : ''})`).join('; ');
  // The survey's statements speak of answers; a statistic's values are published figures.
  const statement = edition
    ? PROVENANCE_STATEMENTS[values.values]?.(values) ?? ''
    : `公式統計：この地図の値（${values.official}団体）は、公表された統計の値です。`;
  $('provenance').replaceChildren(
    element('strong', {}, statement),
    ' ',
    element(
      'span',
      { class: 'en' },
      `${values.values}: ${values.official} official and ${values.synthetic} synthetic values on this map. ${edition ? edition.provenanceNote : ''} Sources: ${sources}.`,
    ),
  );
  $('provenance').classList.toggle('synthetic', values.values !== 'OFFICIAL');
  $('provenance').hidden = false;
  $('credit').textContent = (doc.credits ?? [doc.credit]).join(' / ');
  $('edition-source').textContent = survey
    ? `調査 Survey: ${survey.title}（${edition.referenceDate} 時点）. 出典 Source: ${survey.source}`
    : `出典 Sources: ${sources}`;
  if (!attributionAdded) {
    map.addControl(new maplibregl.AttributionControl({ compact: false, customAttribution: doc.credit }), 'bottom-right');
    attributionAdded = true;
  }
}

// ---- Scatter plot of a bivariate map --------------------------------------------------------

const RELATIONSHIP_QUERY = `query Scatter($x: VariableInput!, $y: VariableInput!) {
  relationship(x: $x, y: $y) { coefficient pValue n syntheticPairs pairs { code x y } }
}`;

const SVG = 'http://www.w3.org/2000/svg';

function svg(tag, attributes = {}, ...children) {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  node.append(...children);
  return node;
}

// A variable of `relationship`, as the map reads it.
function variableInput(code, doc) {
  if (catalogue.statistics.has(code)) return { statistic: code };
  const input = { indicator: code };
  if (doc.edition) input.edition = doc.edition.code;
  return input;
}

// Which scatter plot is on screen (the map's query string), so a redraw of the same map at
// another zoom keeps it.
let scatterFor = null;

// The municipalities of a bivariate map as dots, x against y, each in its map colour, with
// Pearson's r from the API's `relationship`; hovering a dot outlines its municipality.
async function renderScatter(doc) {
  if (!doc.bivariate) {
    scatterFor = null;
    $('scatter').hidden = true;
    return;
  }
  const key = new URL(doc.downloads.geojson, location.href).search;
  if (key === scatterFor) return;
  scatterFor = key;
  const x = variableInput(doc.indicator.code, doc);
  if (doc.per) Object.assign(x, { per: doc.per.statistic, scale: doc.per.scale });
  if (doc.indicator.option) x.option = doc.indicator.option;
  let relation;
  try {
    relation = (await graphql(RELATIONSHIP_QUERY, { x, y: variableInput(doc.bivariate.y.code, doc) })).relationship;
  } catch (error) {
    fill($('scatter'), element('p', { class: 'error' }, `散布図を描けませんでした Could not draw the scatter plot: ${error.message}`));
    $('scatter').hidden = false;
    return;
  }
  if (scatterFor !== key) return;
  const colours = new Map([...doc.areas].map(([code, area]) => [code, area.colour]));
  const [width, height, margin] = [280, 200, 28];
  const extent = (values) => [Math.min(...values), Math.max(...values)];
  const [x0, x1] = extent(relation.pairs.map((p) => p.x));
  const [y0, y1] = extent(relation.pairs.map((p) => p.y));
  const sx = (v) => margin + ((v - x0) / (x1 - x0 || 1)) * (width - margin - 8);
  const sy = (v) => height - margin - ((v - y0) / (y1 - y0 || 1)) * (height - margin - 8);
  const dots = relation.pairs.map((p) =>
    svg('circle', { cx: sx(p.x).toFixed(1), cy: sy(p.y).toFixed(1), r: 2.2, fill: colours.get(p.code) ?? '#888', 'data-code': p.code }),
  );
  const axis = (x1a, y1a, x2a, y2a) => svg('line', { x1: x1a, y1: y1a, x2: x2a, y2: y2a, class: 'axis' });
  const text = (tx, ty, content, anchor = 'start') => svg('text', { x: tx, y: ty, 'text-anchor': anchor }, content);
  const plot = svg(
    'svg',
    { viewBox: `0 0 ${width} ${height}`, width, height, role: 'img', 'aria-label': `${doc.bivariate.x.label} × ${doc.bivariate.y.label}` },
    axis(margin, height - margin, width - 8, height - margin),
    axis(margin, 8, margin, height - margin),
    text(margin, height - 8, NUMBER.format(x0)),
    text(width - 8, height - 8, NUMBER.format(x1), 'end'),
    text(2, height - margin, NUMBER.format(y0)),
    text(2, 16, NUMBER.format(y1)),
    ...dots,
  );
  plot.addEventListener('mouseover', (event) => {
    const code = event.target.dataset?.code;
    if (!code) return;
    map.setFilter('hover-outline', ['==', ['get', 'code'], code]);
    highlightDot(code);
  });
  plot.addEventListener('mouseout', () => hideTooltip());
  const synthetic = relation.syntheticPairs;
  fill(
    $('scatter'),
    element('h2', {}, '散布図 ', element('span', { class: 'en' }, 'Scatter plot')),
    plot,
    element(
      'p',
      { class: 'hint', id: 'scatter-summary' },
      `x: ${doc.bivariate.x.label} · y: ${doc.bivariate.y.label} · n=${relation.n} · Pearson r=${relation.coefficient.toFixed(3)} (p=${relation.pValue.toPrecision(2)})`,
      synthetic ? element('span', { class: 'source synthetic' }, ` · ${synthetic} 組は合成データを含む pairs include synthetic values`) : null,
    ),
    element('p', { class: 'hint', id: 'scatter-hovered' }),
  );
  $('scatter').hidden = false;
}

// Marks the dot of `code` (null: none) and names its municipality under the plot.
function highlightDot(code) {
  const plot = $('scatter');
  if (plot.hidden) return;
  plot.querySelector('circle.hovered')?.classList.remove('hovered');
  const dot = code ? plot.querySelector(`circle[data-code="${code}"]`) : null;
  const caption = $('scatter-hovered');
  if (!dot) {
    if (caption) caption.textContent = '';
    return;
  }
  dot.classList.add('hovered');
  // Drawn last, so it is on top of the others.
  dot.parentNode.append(dot);
  const area = current?.areas?.get(code);
  if (caption && area) caption.textContent = `${areaName({ code, name: area.name })} (${code})`;
}

// ---- Hover and click -----------------------------------------------------------------------

// Prefectures have two-digit codes, municipalities five.
const isPrefectureCode = (code) => code.length === 2;

function areaName(properties) {
  if (isPrefectureCode(properties.code)) return properties.name;
  const prefecture = prefectureNames.get(properties.code.slice(0, 2));
  return prefecture ? `${prefecture} ${properties.name}` : properties.name;
}

function showTooltip(event) {
  const feature = event.features?.[0];
  if (!feature || !current) return;
  const { properties } = feature;
  map.setFilter('hover-outline', ['==', ['get', 'code'], properties.code]);
  map.getCanvas().style.cursor = 'pointer';
  const entry = properties.class === null || properties.class === undefined
    ? null
    : current.legend.classes.find((c) => c.index === properties.class);
  const value = properties.value === undefined ? null : properties.value;
  highlightDot(properties.code);
  fill($('tooltip'),
    element('strong', {}, areaName(properties)),
    element('span', { class: 'code' }, properties.code),
    element('div', {}, `値 Value: ${formatValue(current, value)}`),
    current.bivariate ? element('div', {}, `y (${current.bivariate.y.label}): ${properties.y === undefined || properties.y === null ? 'データなし No data' : NUMBER.format(properties.y)}`) : null,
    element('div', {}, `階級 Class: ${entry ? classLabel(current, entry) : 'データなし No data'}`),
  );
  const { x, y } = event.point;
  const tooltip = $('tooltip');
  tooltip.hidden = false;
  // Beside the pointer, flipped to its other side where the map (or the open panel) ends.
  const right = $('panel').hidden ? map.getContainer().clientWidth : $('panel').offsetLeft;
  const bottom = map.getContainer().clientHeight;
  const fitsRight = x + 14 + tooltip.offsetWidth < right;
  const fitsBelow = y + 14 + tooltip.offsetHeight < bottom;
  tooltip.style.left = `${fitsRight ? x + 14 : Math.max(0, x - 14 - tooltip.offsetWidth)}px`;
  tooltip.style.top = `${fitsBelow ? y + 14 : Math.max(0, y - 14 - tooltip.offsetHeight)}px`;
}

function hideTooltip() {
  highlightDot(null);
  map.setFilter('hover-outline', NO_FEATURE);
  map.getCanvas().style.cursor = '';
  $('tooltip').hidden = true;
}

const MUNICIPALITY_QUERY = `query Answers($code: String!, $edition: String) {
  area: municipality(code: $code) {
    code name kind
    prefecture { name }
    answers(edition: $edition) { indicator options amount rate provenance source referenceDate }
  }
}`;

const PREFECTURE_QUERY = `query Answers($code: String!, $edition: String) {
  area: prefecture(code: $code) {
    code name nameEn
    answers(edition: $edition) { indicator options amount rate provenance source referenceDate }
  }
}`;

// Where one answer comes from, shown beside it: official or synthetic, source and date.
function answerSource(answer) {
  const official = answer.provenance === 'OFFICIAL';
  const date = answer.referenceDate ?? '日付不明 date not stated';
  return element(
    'span',
    { class: official ? 'source official' : 'source synthetic', title: answer.source },
    official ? ` 公式 ${answer.source} ${date}` : ` 合成 synthetic ${date}`,
  );
}

function answerText(ind, answer) {
  if (!answer) return element('span', { class: 'none' }, '— 対象外・無回答 not asked or no answer');
  if (answer.amount !== null && answer.amount !== undefined) {
    return element('span', {}, NUMBER.format(answer.amount), answerSource(answer));
  }
  if (answer.rate !== null && answer.rate !== undefined) {
    return element('span', {}, `${NUMBER.format(answer.rate)}%`, answerSource(answer));
  }
  if (answer.options.length === 0) return element('span', { class: 'none' }, '— 選択なし none chosen', answerSource(answer));
  return element(
    'span',
    {},
    ...answer.options.flatMap((code, i) => {
      const option = ind.options.find((o) => o.code === code);
      return [i ? '、' : '', option ? option.labelJa : code, option ? element('span', { class: 'en' }, ` ${option.labelEn}`) : null];
    }),
    answerSource(answer),
  );
}

async function showAnswers(code) {
  const subject = isPrefectureCode(code) ? 'PREFECTURE' : 'MUNICIPALITY';
  state.selected = code;
  map.setFilter('selected-outline', ['==', ['get', 'code'], code]);
  $('panel').hidden = false;
  $('panel-body').replaceChildren(element('p', { class: 'hint' }, '読み込み中… Loading'));
  let area;
  try {
    const data = await graphql(subject === 'PREFECTURE' ? PREFECTURE_QUERY : MUNICIPALITY_QUERY, { code, edition: state.edition || null });
    area = data.area;
  } catch (error) {
    $('panel-body').replaceChildren(element('p', { class: 'error' }, `回答を読み込めませんでした Could not load the answers: ${error.message}`));
    return;
  }
  // A newer click may have replaced this area meanwhile, or the panel been closed.
  if (state.selected !== code || !area) return;

  const answers = new Map(area.answers.map((a) => [a.indicator, a]));
  const questions = [...catalogue.indicators.values()].filter((ind) => ind.hasData && askedOf(ind, subject));
  const sections = new Map(catalogue.sections.map((s) => [s.code, s]));
  const groups = [];
  for (const ind of questions) {
    if (groups.at(-1)?.code !== ind.section) groups.push({ code: ind.section, indicators: [] });
    groups.at(-1).indicators.push(ind);
  }

  const edition = catalogue.surveys.find((s) => s.code === state.edition);
  const heading = subject === 'PREFECTURE'
    ? element('h2', {}, area.name, element('span', { class: 'en' }, area.nameEn))
    : element('h2', {}, area.name, element('span', { class: 'en' }, `${area.prefecture.name} · ${KIND_LABELS[area.kind] ?? area.kind}`));
  fill(
    $('panel-body'),
    heading,
    element('p', { class: 'hint' }, `コード Code ${area.code} · ${edition ? `${edition.code} (${edition.referenceDate})` : ''} · 回答 ${area.answers.length} / ${questions.length} answered`),
    subject === 'MUNICIPALITY'
      ? element('p', {}, element('a', { href: `/municipalities/${area.code}.geojson`, class: 'geojson-link', download: true }, `境界 GeoJSON（${area.code}.geojson）`))
      : null,
    area.answers.some((a) => a.provenance === 'CALIBRATED_SYNTHETIC')
      ? element('p', { class: 'synthetic-note' }, '以下の値は合成データであり、この団体の実際の回答ではありません。 These values are synthetic, not this authority’s answers.')
      : null,
    ...groups.map(({ code: sectionCode, indicators }) => {
      const section = sections.get(sectionCode);
      return element(
        'section',
        { class: 'answers' },
        element('h3', {}, `${sectionCode} ${section?.labelJa ?? ''}`),
        element(
          'dl',
          {},
          ...indicators.flatMap((ind) => [
            element('dt', { 'data-indicator': ind.code }, ind.labelJa, element('span', { class: 'en' }, ind.labelEn)),
            element('dd', {}, answerText(ind, answers.get(ind.code))),
          ]),
        ),
      );
    }),
  );
}

function closePanel() {
  state.selected = null;
  map.setFilter('selected-outline', NO_FEATURE);
  $('panel').hidden = true;
}

// ---- Start ---------------------------------------------------------------------------------

async function start() {
  const data = await graphql(`{
    surveys { code title referenceDate source provenance provenanceNote downloads { wideXlsx wideCsv longCsv package } }
    sections { code labelJa labelEn }
    indicators { code section labelJa labelEn type asked hasData note options { code labelJa labelEn } condition { indicator option } }
    palettes { name kind minClasses maxClasses }
    statistics { code label unit year formula source { title } }
  }`);
  catalogue.surveys = data.surveys;
  catalogue.sections = data.sections;
  catalogue.indicators = new Map(data.indicators.map((ind) => [ind.code, ind]));
  catalogue.palettes = data.palettes;
  catalogue.statistics = new Map(data.statistics.map((s) => [s.code, statisticAsIndicator(s)]));
  // Editions come newest first.
  state.edition = data.surveys[0]?.code ?? '';
  applyAddress();
  fillCatalogueControls();
  syncForm();

  $('controls').addEventListener('change', (event) => {
    readForm();
    syncForm();
    // The panel's area belongs to one level, and its answers to one edition.
    if (event.target.name === 'level') closePanel();
    else if (event.target.name === 'edition' && state.selected) showAnswers(state.selected);
    draw();
  });
  $('controls').addEventListener('submit', (event) => event.preventDefault());
  $('panel-close').addEventListener('click', closePanel);
  map.on('mousemove', 'choropleth-fill', showTooltip);
  map.on('mouseleave', 'choropleth-fill', hideTooltip);
  map.on('click', 'choropleth-fill', (event) => {
    const feature = event.features?.[0];
    if (!feature) return;
    // The panel takes the right of the map: the tooltip comes back, placed anew, on the next move.
    hideTooltip();
    showAnswers(feature.properties.code);
  });

  await Promise.all([draw(), loadPrefectureNamesOrReport()]);
}

start().catch((error) => {
  setStatus(`DX Atlas を開始できませんでした Could not start: ${error.message}`, true);
  rejectReady(error);
});
