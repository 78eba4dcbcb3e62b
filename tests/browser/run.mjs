// Browser test of DX Atlas's pages: the map at / and GraphiQL at /graphql, in headless Chromium.
//
//   node tests/browser/run.mjs BASE_URL ARTIFACT_DIR
//
// BASE_URL is a running DX Atlas (e.g. http://127.0.0.1:18090); screenshots go to ARTIFACT_DIR.
// Needs /usr/bin/chromium and `npm ci` in web/ (for playwright-core). Exits 0 when every step
// passes; otherwise prints the failing step and exits 1.

import { createRequire } from 'node:module';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const require = createRequire(new URL('../../web/package.json', import.meta.url));
const { chromium } = require('playwright-core');

const [baseArg, artifacts] = process.argv.slice(2);
if (!baseArg || !artifacts) {
  console.error('usage: node tests/browser/run.mjs BASE_URL ARTIFACT_DIR');
  process.exit(2);
}
const base = baseArg.replace(/\/+$/, '');
const allowedHosts = new Set(['127.0.0.1', 'localhost', '[::1]', new URL(base).hostname]);

// A point in Shinjuku (新宿区, 13104), and the indicator the test switches to (a count).
const SHINJUKU = { lon: 139.7, lat: 35.69, code: '13104', name: '新宿区' };
const SWITCH_TO = 'staff.dx_it_units';
// An official statistic (SSDSE-A, residents) and a derived one (share aged 65 and over).
const RESIDENTS = 'A1101';
const AGEING = 'share_65_plus';

const started = Date.now();
const results = [];

let currentStep = 'start';

async function step(name, body) {
  const t = Date.now();
  currentStep = name;
  try {
    await body();
  } catch (error) {
    console.error(`FAIL [${name}]: ${error.message.split('\n')[0]}`);
    results.push([name, false]);
    throw error;
  }
  results.push([name, true]);
  console.log(`ok   ${name} (${Date.now() - t} ms)`);
}

function check(condition, message) {
  if (!condition) throw new Error(message);
}

mkdirSync(artifacts, { recursive: true });
const userDataDir = mkdtempSync(join(tmpdir(), 'dx-atlas-browser-'));

// page.evaluate has no timeout of its own: bound the whole run instead.
const LIMIT_MS = 90_000;
setTimeout(() => {
  console.error(`FAIL [${currentStep}]: the test did not finish within ${LIMIT_MS / 1000} s`);
  rmSync(userDataDir, { recursive: true, force: true });
  process.exit(1);
}, LIMIT_MS).unref();

// Exactly these flags, plus the profile and the pipe through which Playwright drives Chromium.
const launch = () => chromium.launchPersistentContext(userDataDir, {
  executablePath: '/usr/bin/chromium',
  ignoreDefaultArgs: true,
  viewport: { width: 1280, height: 800 },
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--no-first-run',
    '--disable-quic',
    '--disable-sync',
    `--user-data-dir=${userDataDir}`,
    '--remote-debugging-pipe',
    'about:blank',
  ],
});

const requests = [];
const offsite = [];
const pageErrors = [];
let context;
let page;

// The features drawn in the fill layer, reduced to what the checks compare.
const renderedColours = () =>
  page.evaluate(() => {
    const features = window.dxAtlas.map.queryRenderedFeatures({ layers: ['choropleth-fill'] });
    return { count: features.length, colours: [...new Set(features.map((f) => f.properties.colour))].sort() };
  });

const legendRows = () =>
  page.$$eval('#legend .legend-class', (rows) =>
    rows.map((row) => ({
      cls: row.dataset.class,
      label: row.querySelector('.legend-label').textContent,
      count: row.querySelector('.legend-count').textContent,
      colour: getComputedStyle(row.querySelector('.swatch')).backgroundColor,
    })),
  );

// Legend colours as the map's #rrggbb, from the computed rgb(r, g, b).
const hex = (rgb) => '#' + rgb.match(/\d+/g).slice(0, 3).map((n) => Number(n).toString(16).padStart(2, '0')).join('');

async function checkLegendMatchesMap(what) {
  const rows = await legendRows();
  const classes = rows.filter((r) => r.cls !== 'missing');
  const missing = rows.find((r) => r.cls === 'missing');
  check(classes.length >= 2, `${what}: legend has ${classes.length} classes, expected at least 2`);
  check(missing, `${what}: legend has no missing class`);
  for (const row of rows) {
    check(/^[\d,]+$/.test(row.count), `${what}: legend row "${row.label}" has no count (${row.count})`);
    check(!/rgba\(0, 0, 0, 0\)/.test(row.colour), `${what}: legend row "${row.label}" has no colour`);
  }
  const legendColours = new Set(rows.map((r) => hex(r.colour)));
  const { count, colours } = await renderedColours();
  check(count > 100, `${what}: only ${count} features rendered`);
  const unexplained = colours.filter((c) => !legendColours.has(c));
  check(unexplained.length === 0, `${what}: map colours ${unexplained.join(', ')} are not in the legend`);
  return { rows, colours };
}

// Moves the mouse onto a lon/lat of the map and returns the page coordinates used.
async function pointAt({ lon, lat }) {
  const box = await page.locator('#map').boundingBox();
  const p = await page.evaluate(([lon, lat]) => window.dxAtlas.map.project([lon, lat]), [lon, lat]);
  return { x: box.x + p.x, y: box.y + p.y };
}

async function waitForDrawn(fragment) {
  await page.waitForFunction(
    (fragment) => {
      const { state, map } = window.dxAtlas;
      return state.drawn?.includes(fragment) && map.queryRenderedFeatures({ layers: ['choropleth-fill'] }).length > 0;
    },
    fragment,
    { timeout: 20000 },
  );
}

let before;
let failed = false;
try {
  await step('Chromium starts', async () => {
    context = await launch();
    // Every request the pages make is recorded; one for another host is refused as well as reported.
    await context.route('**/*', (route) => {
      const url = new URL(route.request().url());
      if (allowedHosts.has(url.hostname)) return route.continue();
      offsite.push(url.href);
      return route.abort('blockedbyclient');
    });
    context.on('request', (request) => requests.push(request.url()));
    page = context.pages()[0] ?? (await context.newPage());
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.setDefaultTimeout(15000);
  });

  await step('map page loads and draws the choropleth', async () => {
    await page.goto(`${base}/`);
    await page.waitForFunction(() => window.dxAtlas !== undefined);
    await page.evaluate(() => window.dxAtlas.ready);
    await waitForDrawn('indicator=');
    const title = await page.title();
    check(title.includes('DX Atlas'), `title is "${title}"`);
  });

  await step('legend matches the map, with a missing class', async () => {
    before = await checkLegendMatchesMap('first map');
  });

  await step('provenance and credit are shown', async () => {
    const provenance = await page.locator('#provenance').innerText();
    check(/合成データ/.test(provenance) && /CALIBRATED_SYNTHETIC/.test(provenance), `provenance banner reads "${provenance}"`);
    const body = await page.locator('body').innerText();
    check(body.includes('「国土数値情報（行政区域データ）」（国土交通省）を加工して作成'), 'credit line is missing');
    await page.screenshot({ path: join(artifacts, 'map.png') });
  });

  await step('zooming into Shinjuku loads finer tiles of the city, not the country', async () => {
    // Positions of Shinjuku's polygons in the tiles loaded now.
    const positions = () =>
      page.evaluate((code) => {
        const count = (c) => (typeof c[0] === 'number' ? 1 : c.reduce((n, part) => n + count(part), 0));
        const features = window.dxAtlas.map.querySourceFeatures('choropleth', { sourceLayer: 'municipalities', filter: ['==', ['get', 'code'], code] });
        return features.reduce((n, f) => n + count(f.geometry.coordinates), 0);
      }, SHINJUKU.code);
    const coarse = await positions();
    const asked = requests.length;
    await page.evaluate(
      ({ lon, lat }) =>
        new Promise((resolve) => {
          const { map } = window.dxAtlas;
          map.once('idle', resolve);
          map.jumpTo({ center: [lon, lat], zoom: 10 });
        }),
      SHINJUKU,
    );
    const fetched = requests.slice(asked);
    const tiles = fetched.filter((url) => url.includes('/tiles/choropleth/'));
    check(tiles.some((url) => url.includes('/tiles/choropleth/10/')), `no tile of zoom 10 was asked for: ${tiles.join(' ')}`);
    check(tiles.length <= 24, `${tiles.length} tiles were asked for a city`);
    check(!fetched.some((url) => /\.(geojson|topojson)/.test(url)), `zooming in downloaded a whole map: ${fetched.join(' ')}`);
    const fine = await positions();
    check(coarse > 0 && fine > coarse, `Shinjuku has ${fine} positions at zoom 10 and ${coarse} before`);
  });

  await step('hovering Shinjuku shows its tooltip', async () => {
    const { x, y } = await pointAt(SHINJUKU);
    await page.mouse.move(x - 5, y - 5);
    await page.mouse.move(x, y);
    const tooltip = page.locator('#tooltip');
    await tooltip.waitFor({ state: 'visible' });
    const text = await tooltip.innerText();
    check(text.includes(SHINJUKU.name) && text.includes(SHINJUKU.code), `tooltip names another area: "${text}"`);
    check(/値 Value: \S/.test(text) && /階級 Class: \S/.test(text), `tooltip lacks value or class: "${text}"`);
    const labels = before.rows.map((r) => r.label);
    check(labels.some((label) => text.includes(label)), `tooltip class is none of the legend's: "${text}"`);
    await page.screenshot({ path: join(artifacts, 'tooltip.png') });
  });

  await step(`switching the indicator to ${SWITCH_TO} redraws map and legend`, async () => {
    await page.selectOption('#indicator', SWITCH_TO);
    await waitForDrawn(`indicator=${SWITCH_TO}`);
    const after = await checkLegendMatchesMap(SWITCH_TO);
    const labels = (rows) => rows.map((r) => r.label).join('|');
    check(labels(after.rows) !== labels(before.rows), 'legend did not change');
    check(after.colours.join() !== before.colours.join(), 'map colours did not change');
    check(await page.locator('#classification-field').isVisible(), 'classification controls hidden for a count');
  });

  await step('clicking Shinjuku opens its answers', async () => {
    const { x, y } = await pointAt(SHINJUKU);
    await page.mouse.click(x, y);
    const panel = page.locator('#panel');
    await panel.waitFor({ state: 'visible' });
    await page.waitForFunction(() => document.querySelectorAll('#panel dt').length > 0);
    const heading = await panel.locator('h2').innerText();
    check(heading.includes(SHINJUKU.name), `panel is about "${heading}"`);
    const questions = await panel.locator('dt').count();
    const answered = await panel.locator('dd').evaluateAll((dds) => dds.filter((dd) => !dd.querySelector('.none')).length);
    check(questions >= 20 && answered >= 10, `panel lists ${questions} questions, ${answered} answered`);
    const cio = await panel.locator('dt[data-indicator="cio.appointed"] + dd').innerText();
    check(/任命/.test(cio), `CIO answer reads "${cio}"`);
    const href = await panel.locator('a.geojson-link').getAttribute('href');
    check(href === `/municipalities/${SHINJUKU.code}.geojson`, `GeoJSON link is ${href}`);
    const response = await page.request.get(`${base}${href}`);
    check(response.ok(), `GeoJSON link answers ${response.status()}`);
    const feature = await response.json();
    check(feature.geometry?.type?.endsWith('Polygon'), 'GeoJSON link has no polygon');
    await page.screenshot({ path: join(artifacts, 'panel.png') });
  });

  await step('a count per 10,000 residents against ageing: bivariate map and linked scatter plot', async () => {
    await page.locator('#panel-close').click();
    await page.selectOption('#per', RESIDENTS);
    await waitForDrawn(`per=${RESIDENTS}`);
    await page.selectOption('#scale', '10000');
    await waitForDrawn('scale=10000');
    const legend = await page.locator('#legend').innerText();
    check(/10,000/.test(legend) && legend.includes(RESIDENTS), `legend does not say per 10,000 residents: "${legend}"`);
    await page.selectOption('#bivariate', AGEING);
    await waitForDrawn(`bivariate=${AGEING}`);
    check(!(await page.locator('#classification-field').isVisible()), 'classification controls shown for a bivariate map');
    const { rows } = await checkLegendMatchesMap('bivariate map');
    const cells = rows.filter((r) => r.cls !== 'missing');
    check(cells.length === 9, `bivariate legend has ${cells.length} cells`);
    await page.waitForFunction(() => document.querySelectorAll('#scatter circle').length > 1000);
    // The plot shows the API's own relationship: the same n and r as asking for it directly.
    const direct = await page.evaluate(async ([x, y]) => {
      const response = await fetch('/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: `{ relationship(x: {indicator: "${x}", per: "A1101", scale: 10000}, y: {statistic: "${y}"}) { n coefficient } }` }),
      });
      return (await response.json()).data.relationship;
    }, [SWITCH_TO, AGEING]);
    const dots = await page.locator('#scatter circle').count();
    check(dots === direct.n, `scatter has ${dots} dots, relationship n is ${direct.n}`);
    const summary = await page.locator('#scatter-summary').innerText();
    check(summary.includes(`r=${direct.coefficient.toFixed(3)}`), `scatter summary "${summary}" lacks r=${direct.coefficient.toFixed(3)}`);
    const { x, y } = await pointAt(SHINJUKU);
    await page.mouse.move(x - 5, y - 5);
    await page.mouse.move(x, y);
    await page.waitForFunction(
      (code) => document.querySelector(`#scatter circle[data-code="${code}"]`)?.classList.contains('hovered'),
      SHINJUKU.code,
    );
    const hovered = await page.locator('#scatter-hovered').innerText();
    check(hovered.includes(SHINJUKU.name), `scatter names "${hovered}" for the hovered area`);
    const tooltip = await page.locator('#tooltip').innerText();
    check(/^y \(/m.test(tooltip), `tooltip lacks the second variable: "${tooltip}"`);
    await page.screenshot({ path: join(artifacts, 'bivariate.png') });
  });

  await step(`mapping the statistic ${RESIDENTS} names its official source`, async () => {
    // The second variable stays when the first changes; without it, the map is of residents alone.
    await page.selectOption('#indicator', RESIDENTS);
    await waitForDrawn(`indicator=${RESIDENTS}`);
    await page.selectOption('#bivariate', '');
    await page.waitForFunction(() => {
      const { drawn } = window.dxAtlas.state;
      return drawn?.includes('indicator=A1101') && !drawn.includes('bivariate=');
    });
    check(!(await page.locator('#scatter').isVisible()), 'scatter plot left over from the bivariate map');
    await checkLegendMatchesMap(RESIDENTS);
    const provenance = await page.locator('#provenance').innerText();
    check(/公式統計/.test(provenance) && /SSDSE/.test(provenance), `provenance banner reads "${provenance}"`);
    const credit = await page.locator('#credit').innerText();
    check(/統計センター|Statistics Center/.test(credit), `credit lacks SSDSE's: "${credit}"`);
  });

  await step('GraphiQL runs a query', async () => {
    await page.goto(`${base}/graphql`);
    check((await page.title()) === 'DX Atlas GraphiQL', `GraphiQL title is "${await page.title()}"`);
    const editor = page.locator('.graphiql-query-editor .CodeMirror').first();
    await editor.waitFor();
    await editor.evaluate((node) => node.CodeMirror.setValue('query Editions { surveys { code } }'));
    // The tab takes the operation's name once GraphiQL has read the new text; run it after that.
    await page.locator('.graphiql-tab-active', { hasText: 'Editions' }).waitFor();
    await page.locator('.graphiql-execute-button').click();
    const result = page.locator('.graphiql-response .result-window');
    await page.waitForFunction(() => /"code":\s*"R5"/.test(document.querySelector('.graphiql-response .result-window')?.innerText ?? ''));
    check(/"surveys"/.test(await result.innerText()), 'result has no surveys');
    await page.screenshot({ path: join(artifacts, 'graphiql.png') });
  });

  await step('no request left the machine and no script failed', async () => {
    check(offsite.length === 0, `requests to other hosts: ${offsite.join(', ')}`);
    const foreign = requests.filter((url) => {
      const { protocol, hostname } = new URL(url);
      return !['data:', 'blob:'].includes(protocol) && !allowedHosts.has(hostname);
    });
    check(foreign.length === 0, `requests to other hosts: ${foreign.join(', ')}`);
    check(pageErrors.length === 0, `script errors: ${pageErrors.join('; ')}`);
  });
} catch {
  failed = true;
} finally {
  await context?.close();
  rmSync(userDataDir, { recursive: true, force: true });
}

const passed = results.filter(([, ok]) => ok).length;
console.log(`${((Date.now() - started) / 1000).toFixed(1)} s, ${requests.length} requests, screenshots in ${artifacts}`);
console.log(`${passed} passed, ${results.length - passed} failed`);
process.exit(failed ? 1 : 0);
