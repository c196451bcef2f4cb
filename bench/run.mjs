// The benchmark runner (issue 8). scripts/bench.sh builds the release widget, starts the sandboxes
// and calls this; see bench/README.md for the method and every figure.
//
//   node bench/run.mjs --widget-dir DIR --api URL --api-fast URL --api-scale URL [options]
//
//   --widget-dir DIR   the release build: scripts/build-embed.sh's output, or trunk's dist (detected)
//   --api URL          sandbox with the demo studio and 50 ms added latency on every API request
//   --api-fast URL     sandbox with the demo studio, no added latency (mobile profile: DevTools adds it)
//   --api-scale URL    sandbox with the 1,000-membership / 5,000-event catalogue, no added latency
//   --runs N           load runs per page and profile (default 20; interleaved widget/baseline)
//   --interactions N   iterations per interaction (default 50)
//   --quick            5 runs, 15 interactions, 2 scale loads: for development, not for figures
//   --no-budgets       report the budgets but exit 0 when one is missed
//   --only LIST        phases to run, comma-separated: sizes,desktop,mobile,cold,scale,cls,memory (default all)
//   --examples URL     sandbox serving --examples-dir as its site (the example pages' API is on their own origin)
//   --examples-dir DIR where this runner renders the example pages (embed/examples.mjs) for its CDN
//   --out FILE         JSON report (default target/bench/report.json)
//   --latency MS       the added latency the --api sandbox was started with (default 50; for the report
//                      and the static files, which this runner serves with the same delay)
import { createRequire } from 'node:module';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import os from 'node:os';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

import { widgetAssets, page, hostAttributes } from './assets.mjs';
import { startStaticServer, gzip, brotli } from './server.mjs';
import { MEMBERSHIPS, EVENTS } from './catalogue.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '..');
const require = createRequire(join(ROOT, 'package.json'));
const { chromium } = require('playwright-core');
const esbuild = require('esbuild');

// ---------------------------------------------------------------------------------------------
// Budgets.
const KB = 1024;
const BUDGETS = [
  // Brotli bytes as the static server sends them, from the build's manifest (embed/build.mjs; which
  // chunks each needs is declared in embed/chunks.json, and checked against what the loads fetch).
  { id: 'first_screen_brotli', what: 'bytes before the first list (loader + main wasm + chunks it needs), brotli', limit: 100 * KB, unit: 'bytes' },
  { id: 'purchase_brotli', what: 'bytes for a whole TeamUp purchase with plan + class, brotli', limit: 250 * KB, unit: 'bytes' },
  { id: 'first_list_ratio_desktop', what: 'first list, widget / baseline (median, 50 ms latency)', limit: 1.1, unit: 'ratio' },
  { id: 'first_list_ratio_mobile', what: 'first list, widget / baseline (median, mobile profile)', limit: 1.5, unit: 'ratio' },
  // On the interactions' work: the main thread's busy time from the input to the frame that shows
  // the result (startTrace). The latency itself waits for the next 60 Hz frame: ~16-20 ms p95 on a
  // page that does nothing (the floor page).
  { id: 'interaction_p95', what: 'p95 interaction work at 1,000 memberships / 5,000 events (worst of the two)', limit: 16, unit: 'ms' },
  // The first choice on a freshly loaded page (mobile profile), whose class pickers are a chunk.
  // Work on the desktop profile, as for the interactions above (under the mobile profile's 4x CPU
  // slowdown even the plain-JavaScript baseline takes ~65 ms); the latency on the mobile profile.
  { id: 'cold_choice_work_p95', what: 'cold choice (membership -> plans + class pickers), p95 work, desktop', limit: 16, unit: 'ms' },
  { id: 'cold_choice_latency_p95', what: 'cold choice, p95 input -> rendered frame, mobile', limit: 100, unit: 'ms' },
  { id: 'cls', what: 'layout shift on the example pages (CLS, worst page, profile and run)', limit: 0.05, unit: 'score' },
];
// The membership the cold choice picks: the demo studio's monthly membership (plans and classes).
const COLD_MEMBERSHIP = 103;
// The example pages measured for layout shift (the frame page on its own).
// The single-page app is opened at home and its "Join" link clicked (real input), as a customer does:
// the app inserting its view is then input-driven (Chromium's hadRecentInput, left out as in Core
// Web Vitals for 500 ms), and what the widget does after that counts.
const CLS_PAGES = ['plain.html', 'dark.html', 'two-widgets.html', 'strict-csp.html', 'spa.html -> #go-join', 'framed-widget.html'];
const MOBILE = {
  // Lighthouse's "slow 4G" mobile profile, with the download rate issue 8 gives.
  latency: 150, // ms added to every request (DevTools' model of a round trip)
  downloadThroughput: 200000, // bytes/s = 1.6 Mbit/s
  uploadThroughput: 93750, // bytes/s = 750 kbit/s
  cpuSlowdown: 4,
  viewport: { width: 412, height: 823 },
  deviceScaleFactor: 1.75,
};
const DESKTOP_VIEWPORT = { width: 1280, height: 800 };
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

// ---------------------------------------------------------------------------------------------
function parseArgs(argv) {
  const o = {
    runs: 20,
    interactions: 50,
    scaleLoads: 5,
    budgets: true,
    only: ['sizes', 'desktop', 'mobile', 'cold', 'scale', 'cls', 'memory'],
    out: join(ROOT, 'target/bench/report.json'),
    latency: 50,
    quick: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].includes('=') ? argv[i].split(/=(.*)/s) : [argv[i], undefined];
    const value = () => inline ?? argv[++i];
    switch (flag) {
      case '--widget-dir': o.widgetDir = value(); break;
      case '--source': o.source = value(); break;
      case '--api': o.api = value(); break;
      case '--api-fast': o.apiFast = value(); break;
      case '--api-scale': o.apiScale = value(); break;
      case '--examples': o.examples = value(); break;
      case '--examples-dir': o.examplesDir = resolve(value()); break;
      case '--runs': o.runs = positive(flag, value()); o.runsGiven = true; break;
      case '--interactions': o.interactions = positive(flag, value()); o.interactionsGiven = true; break;
      case '--quick': o.quick = true; break;
      case '--no-budgets': o.budgets = false; break;
      case '--only': o.only = value().split(',').map((s) => s.trim()).filter(Boolean); break;
      case '--out': o.out = resolve(value()); break;
      case '--latency': o.latency = Number(value()); break;
      case '-h': case '--help':
        console.log(readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\n').slice(2, 20).map((l) => l.replace(/^\/\/ ?/, '')).join('\n'));
        process.exit(0);
      default: throw new Error(`unknown argument ${argv[i]} (try --help)`);
    }
  }
  if (o.quick) {
    if (!o.runsGiven) o.runs = 5;
    if (!o.interactionsGiven) o.interactions = 15;
    o.scaleLoads = 2;
  }
  if (!o.widgetDir) throw new Error('--widget-dir is required');
  for (const [flag, key, phase] of [['--api', 'api', 'desktop'], ['--api-fast', 'apiFast', 'mobile'], ['--api', 'api', 'cold'], ['--api-fast', 'apiFast', 'cold'], ['--api-scale', 'apiScale', 'scale'], ['--examples', 'examples', 'cls'], ['--examples-dir', 'examplesDir', 'cls']]) {
    if (o.only.includes(phase) && !o[key]) throw new Error(`${flag} is required for the ${phase} phase`);
  }
  return o;
}
function positive(flag, v) {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${flag} needs a positive integer, got ${v}`);
  return n;
}

// ---------------------------------------------------------------------------------------------
// Statistics.
const sorted = (xs) => [...xs].sort((a, b) => a - b);
function quantile(xs, q) {
  // Nearest rank: the smallest value with at least q of the sample at or below it.
  const s = sorted(xs);
  if (!s.length) return null;
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))];
}
function median(xs) {
  const s = sorted(xs);
  if (!s.length) return null;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}
function stats(xs) {
  xs = xs.filter((x) => typeof x === 'number' && Number.isFinite(x));
  if (!xs.length) return { n: 0, median: null, p95: null, min: null, max: null };
  const r = (x) => Math.round(x * 10) / 10;
  return { n: xs.length, median: r(median(xs)), p50: r(quantile(xs, 0.5)), p95: r(quantile(xs, 0.95)), min: r(Math.min(...xs)), max: r(Math.max(...xs)), samples: xs.map(r) };
}

// ---------------------------------------------------------------------------------------------
// Sizes: raw, gzip -9 and brotli -11 of every wasm, js and css file the page loads.
function sizes(assets) {
  const files = assets.files.map((f) => {
    const body = assets.serve.get(`/${f.name}`) ?? readFileSync(f.path);
    return { name: f.name, kind: f.kind, raw: body.length, gzip: gzip(body).length, brotli: brotli(body).length };
  });
  const byKind = {};
  for (const kind of ['wasm', 'js', 'css']) {
    const of = files.filter((f) => f.kind === kind);
    byKind[kind] = { files: of.length, raw: sum(of, 'raw'), gzip: sum(of, 'gzip'), brotli: sum(of, 'brotli') };
  }
  const out = { files, ...byKind, total: { raw: sum(files, 'raw'), gzip: sum(files, 'gzip'), brotli: sum(files, 'brotli') } };
  // The split build: each chunk, and the two byte budgets as the manifest computes them.
  const m = assets.manifest;
  if (m?.split) {
    out.chunks = m.files.filter((f) => f.role === 'chunk').map((f) => ({ name: f.name, chunk: f.chunk, split_points: f.split_points, needed: f.needed, raw: f.bytes, brotli: f.brotli }));
    out.main = { name: m.wasm, brotli: m.files.find((f) => f.name === m.wasm)?.brotli ?? null };
    out.loader = { name: m.loader, brotli: m.files.find((f) => f.name === m.loader)?.brotli ?? null };
    out.first_screen_brotli = m.budgets?.first_screen?.brotli ?? null;
    out.first_screen_language = m.budgets?.first_screen?.language ?? null;
    out.purchase_brotli = m.budgets?.purchase?.brotli ?? null;
  }
  return out;
}
const sum = (xs, k) => xs.reduce((a, x) => a + x[k], 0);

async function buildBaseline(css) {
  const source = readFileSync(join(HERE, 'baseline/baseline.js'), 'utf8');
  const out = await esbuild.transform(source, { minify: true, format: 'esm', target: 'es2020', define: { BENCH_WIDGET_CSS: JSON.stringify(css) } });
  return Buffer.from(out.code);
}

// ---------------------------------------------------------------------------------------------
// One page load in a fresh browser context (cold cache): first list painted, interactive, requests.
async function newPage(browser, profile) {
  const mobile = profile === 'mobile';
  const context = await browser.newContext({
    viewport: mobile ? MOBILE.viewport : DESKTOP_VIEWPORT,
    deviceScaleFactor: mobile ? MOBILE.deviceScaleFactor : 1,
    isMobile: mobile,
    hasTouch: mobile,
    locale: 'en-GB',
  });
  await context.addInitScript({ path: join(HERE, 'probe.js') });
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  if (mobile) {
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', {
      offline: false,
      latency: MOBILE.latency,
      downloadThroughput: MOBILE.downloadThroughput,
      uploadThroughput: MOBILE.uploadThroughput,
      connectionType: 'cellular4g',
    });
    await cdp.send('Emulation.setCPUThrottlingRate', { rate: MOBILE.cpuSlowdown });
  }
  return { context, page, cdp };
}

const QUIET_MS = 500; // no API request for this long after the last answer: loading is over

async function load(page, url, timeout) {
  await page.goto(url, { waitUntil: 'commit', timeout });
  await page.waitForFunction(
    (quiet) => {
      const B = window.__bench;
      return B && B.list && B.list.paint != null && B.ready != null && B.inflight === 0 && B.quietAt != null && performance.now() - B.lastDone > quiet;
    },
    QUIET_MS,
    { timeout, polling: 100 },
  );
  return page.evaluate(() => {
    const B = window.__bench;
    const nav = performance.getEntriesByType('navigation')[0];
    const resources = performance.getEntriesByType('resource').map((r) => ({
      name: r.name, initiator: r.initiatorType, start: r.startTime, end: r.responseEnd, transfer: r.transferSize, encoded: r.encodedBodySize, decoded: r.decodedBodySize,
    }));
    return {
      firstList: B.list.paint,
      firstListDom: B.list.dom,
      listItems: B.list.count,
      interactive: Math.max(B.list.paint, B.quietAt, B.ready),
      state: B.$('[data-testid=checkout]')?.getAttribute('data-state') ?? null,
      api: B.api.map((a) => ({ url: a.url, start: a.start, done: a.done, status: a.status })),
      wasm: B.wasm.map((w) => ({ how: w.how, start: w.start, end: w.end })),
      nav: nav ? { responseEnd: nav.responseEnd, domContentLoaded: nav.domContentLoadedEventEnd, load: nav.loadEventEnd, transfer: nav.transferSize } : null,
      resources,
      errors: B.errors,
    };
  });
}

/** The API calls a page made, as "path?sorted query keys" (values vary with time and ids). */
function requestShape(api) {
  return api
    .map((a) => {
      const u = new URL(a.url);
      return `${u.pathname}?${[...u.searchParams.keys()].sort().join('&')}`;
    })
    .sort();
}
function countShapes(shapes) {
  const m = {};
  for (const s of shapes) m[s] = (m[s] || 0) + 1;
  return m;
}

async function loadRuns(browser, { label, profile, pages, runs, timeout, log }) {
  // One discarded warm-up load per page (sandbox, OS caches), then `runs` pairs, interleaved; the
  // order inside a pair alternates (W B, B W, ...) so neither page always goes first.
  const results = { widget: [], baseline: [] };
  const failures = [];
  const order = [];
  for (let i = 0; i < runs; i++) order.push(...(i % 2 ? ['baseline', 'widget'] : ['widget', 'baseline']));
  for (const [i, kind] of [['warm-up', 'widget'], ['warm-up', 'baseline'], ...order.map((k, i) => [i >> 1, k])]) {
    const { context, page } = await newPage(browser, profile);
    try {
      const r = await load(page, pages[kind], timeout);
      if (i !== 'warm-up') results[kind].push(r);
      log(`  ${label} ${String(i).padStart(7)} ${kind.padEnd(8)} first list ${r.firstList.toFixed(0).padStart(5)} ms  interactive ${r.interactive.toFixed(0).padStart(5)} ms  (${r.listItems} items, ${r.api.length} requests)`);
    } catch (e) {
      const state = await page.evaluate(() => window.__bench?.$('[data-testid=checkout]')?.getAttribute('data-state') ?? 'no widget root').catch(() => '?');
      failures.push({ run: i, kind, error: String(e.message || e).split('\n')[0], state });
      log(`  ${label} ${String(i).padStart(7)} ${kind.padEnd(8)} FAILED (${state}): ${String(e.message || e).split('\n')[0]}`);
    } finally {
      await context.close();
    }
  }
  return summarizeLoads(results, failures);
}

function summarizeLoads(results, failures) {
  const out = { failures };
  for (const kind of ['widget', 'baseline']) {
    const rs = results[kind];
    const staticTransfer = rs.map((r) => (r.nav?.transfer ?? 0) + r.resources.filter((x) => !/\/api\/v2\//.test(x.name)).reduce((a, x) => a + x.transfer, 0));
    out[kind] = {
      runs: rs.length,
      first_list_ms: stats(rs.map((r) => r.firstList)),
      interactive_ms: stats(rs.map((r) => r.interactive)),
      list_items: rs[0]?.listItems ?? null,
      api_requests: rs[0]?.api.length ?? null,
      request_shapes: rs[0] ? countShapes(requestShape(rs[0].api)) : null,
      wasm_ready_ms: stats(rs.map((r) => r.wasm.length ? Math.max(...r.wasm.map((w) => w.end ?? NaN)) : NaN)),
      // When each .wasm file (main module, chunks) was asked for: ms after navigation start, and
      // after the first list painted (negative: before), over the runs that fetched it.
      wasm_fetched: (() => {
        const byName = {};
        for (const r of rs) {
          for (const x of r.resources.filter((x) => /\.wasm$/.test(x.name.split('?')[0]))) {
            const name = x.name.split('?')[0].split('/').pop();
            (byName[name] ||= { runs: 0, start: [], after_first_list: [] }).runs++;
            byName[name].start.push(x.start);
            byName[name].after_first_list.push(x.start - r.firstList);
          }
        }
        return Object.fromEntries(Object.entries(byName).map(([n, v]) => [n, { runs: v.runs, start_ms: stats(v.start), after_first_list_ms: stats(v.after_first_list) }]));
      })(),
      // The build's files each run fetched before its first list painted (checked against the manifest).
      before_first_list: rs.map((r) => r.resources.filter((x) => x.start < r.firstList).map((x) => x.name.split('?')[0].split('/').pop())),
      page_transfer_bytes: stats(staticTransfer),
    };
  }
  const ratio = (k) => (out.widget[k].median && out.baseline[k].median ? round3(out.widget[k].median / out.baseline[k].median) : null);
  out.ratio = { first_list: ratio('first_list_ms'), interactive: ratio('interactive_ms') };
  const a = JSON.stringify(out.widget.request_shapes);
  const b = JSON.stringify(out.baseline.request_shapes);
  out.same_requests = a === b;
  return out;
}
const round3 = (x) => Math.round(x * 1000) / 1000;

// ---------------------------------------------------------------------------------------------
// Memory after load: GC first (HeapProfiler.collectGarbage), then JS heap (Performance.getMetrics,
// Runtime.getHeapUsage) and the wasm linear memory the probe captured from WebAssembly.instantiate*.
async function memoryAfterLoad(browser, url, timeout) {
  const { context, page, cdp } = await newPage(browser, 'desktop');
  try {
    const r = await load(page, url, timeout);
    await page.waitForTimeout(1000);
    await cdp.send('HeapProfiler.enable');
    await cdp.send('HeapProfiler.collectGarbage');
    await cdp.send('Performance.enable');
    const { metrics } = await cdp.send('Performance.getMetrics');
    const m = Object.fromEntries(metrics.map((x) => [x.name, x.value]));
    const heap = await cdp.send('Runtime.getHeapUsage');
    const wasm = await page.evaluate(() => window.__bench.wasmBytes());
    return {
      wasm_linear_memory_bytes: wasm,
      js_heap_used_bytes: m.JSHeapUsedSize,
      js_heap_total_bytes: m.JSHeapTotalSize,
      runtime_heap_used_bytes: heap.usedSize,
      dom_nodes: m.Nodes,
      list_items: r.listItems,
    };
  } finally {
    await context.close();
  }
}

// ---------------------------------------------------------------------------------------------
// Interaction latency at scale: real input (Playwright's mouse click / key press through the
// DevTools Input domain), from the input event's timeStamp to the frame that shows the result.
// Page 1: `iterations` membership choices (then a few class choices on that same page, reported
// apart: they show whether earlier choices slow later ones down). Page 2, freshly loaded: one
// membership choice, then `iterations` class choices.
const settle = (page, timeout) =>
  page.waitForFunction((q) => window.__bench.inflight === 0 && performance.now() - window.__bench.lastDone > q, 100, { timeout, polling: 50 });

/** Presses "Show more" (the catalogue shows a page at a time) until `id`'s radio is on the page. */
async function revealMembership(page, id, timeout) {
  const shown = () => page.evaluate((id) => !!window.__bench.$(`input[type=radio][name=membership][value="${id}"]`), id);
  while (!(await shown())) {
    const count = await page.evaluate(() => window.__bench.$$('input[type=radio][name=membership]').length);
    if (!(await page.evaluate(() => !!window.__bench.$('[data-testid=show-more]')))) throw new Error(`membership ${id} is not in the catalogue`);
    await page.evaluate(() => window.__bench.$('[data-testid=show-more]').click());
    await page.waitForFunction((before) => window.__bench.$$('input[type=radio][name=membership]').length > before, count, { timeout, polling: 20 });
  }
}

async function chooseMembership(page, id, timeout) {
  await revealMembership(page, id, timeout);
  const input = page.locator(`input[type=radio][name=membership][value="${id}"]`);
  await input.scrollIntoViewIfNeeded({ timeout });
  await page.evaluate(
    ({ id }) =>
      window.__bench.arm((B) => B.$(`input[name=membership][value="${id}"]`)?.checked && B.$(`[data-testid=plans] input[name^=plan][value="${id * 10 + 1}"]`)),
    { id },
  );
  await input.click({ timeout });
  await page.waitForFunction(() => window.__bench.waiter.done, null, { timeout, polling: 50 });
  const w = await page.evaluate(() => window.__bench.waiter);
  await settle(page, timeout);
  return w;
}

/** ArrowDown on the focused class select (a real key press; the select stays closed). */
async function chooseNextEvent(page, timeout) {
  await page.locator('[data-testid=event-select]').focus({ timeout });
  await page.evaluate(() => {
    const B = window.__bench;
    const select = B.$('[data-testid=event-select]');
    const next = select.options[select.selectedIndex + 1];
    const want = next.value;
    const label = next.textContent;
    B.arm((B) => {
      const s = B.$('[data-testid=event-select]');
      const summary = B.$('[data-testid=summary]')?.textContent ?? '';
      return s && s.value === want && summary.includes(`Class: ${label}`);
    });
  });
  await page.keyboard.press('ArrowDown');
  await page.waitForFunction(() => window.__bench.waiter.done, null, { timeout, polling: 50 });
  const w = await page.evaluate(() => window.__bench.waiter);
  await settle(page, timeout);
  return w;
}

// ---------------------------------------------------------------------------------------------
// Work: the renderer main thread's busy time between an input and the frame that shows its result,
// from a Chromium trace (every top-level task on that thread, whatever scheduled it: handlers,
// microtasks, timers, style, layout, paint, GC). Idle time, such as the wait for the next 60 Hz
// frame, is left out; nothing else is.
async function startTrace(page, cdp) {
  const events = [];
  cdp.on('Tracing.dataCollected', (e) => events.push(...e.value));
  await cdp.send('Tracing.start', { categories: 'toplevel,blink.user_timing,__metadata', transferMode: 'ReportEvents' });
  // One mark ties performance.now() (the probe's times) to the trace's clock.
  const markAt = await page.evaluate(() => performance.mark('bench-clock').startTime);
  return async () => {
    const complete = new Promise((resolve) => cdp.once('Tracing.tracingComplete', resolve));
    await cdp.send('Tracing.end');
    await complete;
    const mark = events.find((e) => e.name === 'bench-clock' && e.cat.includes('blink.user_timing'));
    if (!mark) throw new Error('the trace has no clock mark');
    const offsetUs = mark.ts - markAt * 1000;
    const tasks = events
      .filter((e) => e.pid === mark.pid && e.tid === mark.tid && e.ph === 'X' && e.name === 'ThreadControllerImpl::RunTask')
      .map((e) => [e.ts, e.ts + (e.dur || 0)])
      .sort((a, b) => a[0] - b[0]);
    /** Busy milliseconds of the main thread between two performance.now() times. */
    return (from, to) => {
      const [a, b] = [from * 1000 + offsetUs, to * 1000 + offsetUs];
      let busy = 0;
      let until = a;
      for (const [s, e] of tasks) {
        if (e <= until) continue;
        if (s >= b) break;
        busy += Math.min(e, b) - Math.max(s, until);
        until = Math.min(e, b);
      }
      return busy / 1000;
    };
  };
}

const eventOptions = (page) => page.evaluate(() => window.__bench.$$('[data-testid=event-select] option').length);
const oneLine = (e) => String(e.message || e).split('\n')[0];

async function interactions(browser, url, { iterations, timeout, log, label }) {
  const out = { membership_plans: [], membership_next_paint: [], membership_work: [], event: [], event_next_paint: [], event_work: [], event_after: [], failures: [] };
  let best = null;
  // Page 1: membership -> plans.
  {
    const { context, page, cdp } = await newPage(browser, 'desktop');
    try {
      const loaded = await load(page, url, timeout);
      out.load = { first_list_ms: loaded.firstList, interactive_ms: loaded.interactive, list_items: loaded.listItems, api_requests: loaded.api.length };
      // The catalogue shows a page at a time: press "Show more" (as a customer would) until enough
      // recurring memberships are on the page to choose a different one each time.
      const recurringShown = () =>
        page.evaluate(() => window.__bench.$$('input[type=radio][name=membership]').filter((i) => (Number(i.value) - 10001) % 3 === 0).length);
      for (let shown = await recurringShown(); shown < iterations; ) {
        if (!(await page.evaluate(() => !!window.__bench.$('[data-testid=show-more]')))) break;
        await page.evaluate(() => window.__bench.$('[data-testid=show-more]').click());
        await page.waitForFunction(
          (before) => window.__bench.$$('input[type=radio][name=membership]').filter((i) => (Number(i.value) - 10001) % 3 === 0).length > before,
          shown,
          { timeout, polling: 20 },
        );
        shown = await recurringShown();
      }
      // Recurring memberships (they have plans; bench/catalogue.mjs makes every third one recurring), spread over the list.
      const recurring = await page.evaluate(() =>
        window.__bench.$$('input[type=radio][name=membership]').map((i) => Number(i.value)).filter((id) => (id - 10001) % 3 === 0),
      );
      if (!recurring.length) throw new Error('no recurring membership in the list: is this the scale catalogue?');
      const step = Math.max(1, Math.floor(recurring.length / iterations));
      const stopTrace = await startTrace(page, cdp);
      const spans = [];
      for (let i = 0; i < iterations; i++) {
        const id = recurring[(i * step) % recurring.length];
        try {
          const w = await chooseMembership(page, id, timeout);
          out.membership_plans.push(w.paint - w.input);
          out.membership_next_paint.push(w.firstPaint - w.input);
          spans.push([w.input, w.paint]);
          const n = await eventOptions(page);
          if (!best || n > best.n) best = { id, n };
        } catch (e) {
          out.failures.push({ interaction: 'membership', id, error: oneLine(e) });
        }
      }
      const busy = await stopTrace();
      out.membership_work.push(...spans.map(([a, b]) => busy(a, b)));
      log(`  ${label} membership -> plans: ${out.membership_plans.length} samples`);
      if (best && best.n > 1) {
        await chooseMembership(page, best.id, timeout);
        for (let i = 0; i < Math.min(5, best.n - 1); i++) {
          const w = await chooseNextEvent(page, timeout);
          out.event_after.push(w.paint - w.input);
        }
      }
    } catch (e) {
      out.failures.push({ interaction: 'membership page', error: oneLine(e) });
      log(`  ${label} membership interactions FAILED: ${oneLine(e)}`);
    } finally {
      await context.close();
    }
  }
  // Page 2: class chosen, on a fresh page, with the membership whose class list was longest.
  if (best && best.n > 1) {
    const { context, page, cdp } = await newPage(browser, 'desktop');
    try {
      await load(page, url, timeout);
      await chooseMembership(page, best.id, timeout);
      out.event_options = (await eventOptions(page)) - 1;
      const r = await tracedClassChoices(page, cdp, Math.min(iterations, out.event_options), timeout, (e) => out.failures.push({ interaction: 'event', error: oneLine(e) }));
      out.event.push(...r.latency);
      out.event_next_paint.push(...r.nextPaint);
      out.event_work.push(...r.work);
      log(`  ${label} event chosen: ${out.event.length} samples (${out.event_options} classes in the select)`);
    } catch (e) {
      out.failures.push({ interaction: 'event page', error: oneLine(e) });
      log(`  ${label} event interactions FAILED: ${oneLine(e)}`);
    } finally {
      await context.close();
    }
  } else {
    out.failures.push({ interaction: 'event', error: 'no membership with classes to choose from' });
  }
  return {
    load: out.load ?? null,
    event_options: out.event_options ?? null,
    event_membership: best?.id ?? null,
    membership_to_plans_ms: stats(out.membership_plans),
    membership_next_paint_ms: stats(out.membership_next_paint),
    membership_work_ms: stats(out.membership_work),
    event_chosen_ms: stats(out.event),
    event_next_paint_ms: stats(out.event_next_paint),
    event_work_ms: stats(out.event_work),
    event_chosen_after_membership_choices_ms: stats(out.event_after),
    failures: out.failures,
  };
}

// `count` key presses on the class select (chooseNextEvent) under one trace: for each that
// succeeded, its latency, its first frame after input and the main thread's work in between.
async function tracedClassChoices(page, cdp, count, timeout, onFailure) {
  const stopTrace = await startTrace(page, cdp);
  const done = [];
  for (let i = 0; i < count; i++) {
    try {
      done.push(await chooseNextEvent(page, timeout));
    } catch (e) {
      onFailure(e);
    }
  }
  const busy = await stopTrace();
  return {
    latency: done.map((w) => w.paint - w.input),
    nextPaint: done.map((w) => w.firstPaint - w.input),
    work: done.map((w) => busy(w.input, w.paint)),
  };
}

// The floor: the same key press on a page that does nothing but write the summary (a plain select,
// no framework, no data). Its latency is the wait for the next frame plus Chromium's own work, the
// least any page can score; its work shows what the method leaves out.
const FLOOR_OPTIONS = 80;
const FLOOR_HOST = `<div data-bench-baseline>
<select data-testid="event-select" aria-label="Class">${Array.from({ length: FLOOR_OPTIONS }, (_, i) => `<option value="${i}">Class ${i + 1}</option>`).join('')}</select>
<p data-testid="summary"></p>
</div>
<script>
  const select = document.querySelector('[data-testid=event-select]');
  const summary = document.querySelector('[data-testid=summary]');
  select.addEventListener('change', () => { summary.textContent = 'Class: ' + select.selectedOptions[0].textContent; });
</script>`;

async function floorInteractions(browser, url, { iterations, timeout, log }) {
  const out = { latency: [], work: [], failures: [] };
  const { context, page, cdp } = await newPage(browser, 'desktop');
  try {
    await page.goto(url, { timeout });
    await page.waitForFunction(() => !!window.__bench?.$('[data-testid=event-select]'), null, { timeout });
    await page.waitForTimeout(500);
    const r = await tracedClassChoices(page, cdp, Math.min(iterations, FLOOR_OPTIONS - 1), timeout, (e) => out.failures.push({ interaction: 'floor', error: oneLine(e) }));
    out.latency.push(...r.latency);
    out.work.push(...r.work);
    log(`  floor: ${out.latency.length} samples`);
  } finally {
    await context.close();
  }
  return { latency_ms: stats(out.latency), work_ms: stats(out.work), failures: out.failures };
}

// ---------------------------------------------------------------------------------------------
// The cold choice: on a freshly loaded page (mobile profile), the first membership choice, whose
// plans and class pickers (in the split build) are in the chunk `form`: from the click's timeStamp to the
// rendered frame in which the membership is checked, its plans and its class choice are shown.
// Whatever that choice still waits for (the chunk, if its download isn't over; its code
// running for the first time) is in the figure. chunk_ready_at_input says per run whether the
// checkout's chunk (form) had arrived before the click.
async function coldChoices(browser, url, { profile, runs, timeout, log, label, chunkFile }) {
  const out = { latency: [], work: [], next_paint: [], chunk_ready: 0, failures: [] };
  for (let i = 0; i < runs; i++) {
    const { context, page, cdp } = await newPage(browser, profile);
    try {
      await load(page, url, timeout);
      const id = COLD_MEMBERSHIP;
      const input = page.locator(`input[type=radio][name=membership][value="${id}"]`);
      await input.scrollIntoViewIfNeeded({ timeout });
      const stopTrace = await startTrace(page, cdp);
      await page.evaluate((id) => window.__bench.arm((B) => B.$(`input[name=membership][value="${id}"]`)?.checked
        && B.$('[data-testid=plans] input[name^=plan]')
        && (B.$('[data-testid=event-select]') || B.$('[data-testid=no-events]'))), id);
      await input.click({ timeout });
      await page.waitForFunction(() => window.__bench.waiter.done, null, { timeout, polling: 50 });
      const w = await page.evaluate(() => window.__bench.waiter);
      const busy = await stopTrace();
      out.latency.push(w.paint - w.input);
      out.next_paint.push(w.firstPaint - w.input);
      out.work.push(busy(w.input, w.paint));
      if (chunkFile) {
        const ready = await page.evaluate(({ file, at }) => performance.getEntriesByType('resource').some((e) => e.name.endsWith(file) && e.responseEnd < at), { file: chunkFile, at: w.input });
        if (ready) out.chunk_ready++;
      }
    } catch (e) {
      out.failures.push({ interaction: 'cold choice', run: i, error: oneLine(e) });
    } finally {
      await context.close();
    }
  }
  log(`  ${label} cold choice (${profile}): ${out.latency.length} samples${chunkFile ? `, checkout's chunk (form) already there in ${out.chunk_ready}` : ''}`);
  return { runs: out.latency.length, latency_ms: stats(out.latency), next_paint_ms: stats(out.next_paint), work_ms: stats(out.work), chunk_ready_at_input: chunkFile ? out.chunk_ready : null, failures: out.failures };
}

// ---------------------------------------------------------------------------------------------
// Layout shift on the example pages: Chromium's layout-shift entries (PerformanceObserver,
// buffered), from navigation until every widget on the page shows its list and a second more has
// passed, without shifts right after input (none is made). CLS is the largest session window (shifts
// less than 1 s apart, at most 5 s long: the Core Web Vitals definition); the plain sum is kept too.
const CLS_PROBE = `
window.__shifts = [];
try {
  const what = (n) => !n ? null : n.nodeType !== 1 ? n.nodeName : n.tagName.toLowerCase() + (n.id ? '#' + n.id : '') + (n.className && typeof n.className === 'string' ? '.' + n.className.trim().split(/\s+/).join('.') : '');
  const box = (r) => r && [Math.round(r.x), Math.round(r.y), Math.round(r.width), Math.round(r.height)];
  new PerformanceObserver((list) => { for (const e of list.getEntries()) window.__shifts.push({ value: e.value, at: e.startTime, input: e.hadRecentInput, sources: (e.sources || []).map((s) => ({ node: what(s.node), from: box(s.previousRect), to: box(s.currentRect) })) }); })
    .observe({ type: 'layout-shift', buffered: true });
} catch (e) {}`;

function sessionWindows(shifts) {
  let best = 0, current = 0, start = -Infinity, last = -Infinity;
  for (const s of shifts.filter((x) => !x.input).sort((a, b) => a.at - b.at)) {
    if (s.at - last > 1000 || s.at - start > 5000) {
      current = 0;
      start = s.at;
    }
    current += s.value;
    last = s.at;
    best = Math.max(best, current);
  }
  return best;
}

async function layoutShift(browser, base, { runs, timeout, log }) {
  const out = {};
  for (const path of CLS_PAGES) {
    out[path] = {};
    for (const profile of ['desktop', 'mobile']) {
      const cls = [], sums = [], failures = [];
      let worst = null; // the shifts of the worst run (what moved, from where to where) and the widgets' heights
      for (let i = 0; i < runs; i++) {
        const { context, page } = await newPage(browser, profile);
        try {
          await context.addInitScript({ content: CLS_PROBE });
          const [file, click] = path.split(' -> ');
          await page.goto(`${base}/${file}`, { waitUntil: click ? 'load' : 'commit', timeout });
          if (click) {
            await page.waitForFunction(() => window.MembershipCheckout, null, { timeout, polling: 50 });
            await page.click(click, { timeout });
          }
          await page.waitForFunction(() => {
            const hosts = [...document.querySelectorAll('membership-checkout, [data-membership-checkout]')];
            return hosts.length > 0 && hosts.every((h) => h.shadowRoot?.querySelector('[data-testid=memberships] input[name=membership]'));
          }, null, { timeout, polling: 50 });
          await page.waitForTimeout(1000);
          const shifts = await page.evaluate(() => window.__shifts);
          const value = sessionWindows(shifts);
          if (!worst || value > worst.cls) {
            const heights = await page.evaluate(() => [...document.querySelectorAll('membership-checkout, [data-membership-checkout]')].map((h) => Math.round(h.getBoundingClientRect().height)));
            worst = { cls: value, widget_heights_px: heights, shifts: shifts.filter((x) => !x.input) };
          }
          cls.push(value);
          sums.push(shifts.filter((x) => !x.input).reduce((a, x) => a + x.value, 0));
        } catch (e) {
          failures.push({ run: i, error: oneLine(e) });
        } finally {
          await context.close();
        }
      }
      const r4 = (xs) => xs.map((x) => Math.round(x * 10000) / 10000);
      out[path][profile] = { runs: cls.length, cls_max: cls.length ? r4([Math.max(...cls)])[0] : null, cls_median: cls.length ? r4([median(cls)])[0] : null, sum_max: sums.length ? r4([Math.max(...sums)])[0] : null, samples: r4(cls), worst_run: worst, failures };
      log(`  layout shift ${path} ${profile}: CLS max ${out[path][profile].cls_max ?? '-'} over ${cls.length} runs${failures.length ? `, ${failures.length} FAILED (${failures[0].error})` : ''}`);
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Report.
function environment(browser) {
  const git = (...a) => {
    try {
      return execFileSync('git', a, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    } catch {
      return null;
    }
  };
  return {
    date: new Date().toISOString(),
    commit: git('rev-parse', 'HEAD'),
    working_tree_dirty: git('status', '--porcelain')?.length > 0,
    chromium: browser.version(),
    node: process.version,
    playwright_core: require('playwright-core/package.json').version,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    cpus: os.cpus().length,
    cpu_model: os.cpus()[0]?.model ?? null,
    memory_bytes: os.totalmem(),
    load_average: os.loadavg().map((x) => Math.round(x * 100) / 100),
  };
}

const METHOD = {
  pages:
    'Both pages are the same small studio page with one host element (data-api-base = the sandbox, provider 100, the demo customer token, en-GB), served by bench/server.mjs from another origin than the API (so the API calls are cross-origin with CORS preflights, as on a studio site), every file precompressed (brotli, which Chromium accepts over loopback). The widget page loads the release build; the baseline page loads bench/baseline/baseline.js (plain JavaScript, minified with esbuild, the widget stylesheet inlined) which makes the same API requests and renders the same markup; request_shapes in each load section lists both pages\' requests, and same_requests says whether they match.',
  runs:
    'Every load is a fresh browser context (cold HTTP cache, no service worker, no code cache) in one headless Chromium; one warm-up load per page is discarded, then widget and baseline loads are interleaved in pairs whose order alternates (W B, B W, ...). median and p95 (nearest rank) over the runs.',
  desktop:
    'desktop: 1280x800, no CPU or network throttling; the sandbox adds a fixed latency to every API request (--fault \'*=latency,ms=N\') and the static server delays every file by the same N ms; CORS preflights (answered by the sandbox\'s CORS layer) are not delayed.',
  mobile:
    'mobile: 412x823 at 1.75x, touch; DevTools Network.emulateNetworkConditions (150 ms latency per request, 1.6 Mbit/s = 200,000 B/s down, 750 kbit/s up) and Emulation.setCPUThrottlingRate 4; sandbox and static server without added latency.',
  first_list:
    'first list = the membership list painted: bench/probe.js checks in every requestAnimationFrame callback whether the list ([data-testid=memberships] with its membership radios, in the host\'s shadow root or light DOM) is in the DOM; the first frame that finds it is the frame that paints it, and the time is taken when a MessageChannel message posted from that rAF callback runs, i.e. after that frame has been rendered. Element Timing is not used: Chromium reports no entries for elements in shadow trees (checked with Chromium 156). On a light-DOM copy of the baseline this mark came 24 ms (median, 10-47) before Element Timing renderTime (frame presentation); the offset applies to both pages and makes the ratio slightly stricter.',
  interactive:
    'interactive = the later of first list, the widget being ready (its root no longer says data-state="loading": the checkout, which comes in a chunk after the first list, is here) and the moment loading is over: every API request made during load has been answered and its body read (fetch is wrapped), no new one has started, and the frame after the last one has been rendered (rAF, then a MessageChannel message: the main thread was free to run a task). Measured identically on both pages.',
  interactions:
    'interactions (scale sandbox, no added latency, desktop): "membership -> plans" (one page load, "Show more" pressed until enough recurring memberships are shown, then every choice) clicks a recurring membership\'s radio (Playwright mouse click, real input through DevTools) and measures from the click event\'s timeStamp to the rendered frame in which that membership is checked and its first plan radio is shown (both pages ask for the plans of the recurring memberships a page of the catalogue shows once it is painted, so a choice normally finds them; if not, the request is part of the figure); "event chosen" presses ArrowDown on the focused class select (real key press; from 40 classes both pages list one day\'s classes in it, after a day select) and measures from the keydown timeStamp to the rendered frame whose summary shows "Class: <that class>". *_next_paint is the first frame rendered after the input (INP-like). *_work (the budget) is the renderer main thread\'s busy time from the input\'s timeStamp to that rendered frame, from a Chromium trace (categories toplevel + blink.user_timing; every top-level task on the page\'s main thread overlapping the span, whatever scheduled it: handlers, microtasks, timers, style, layout, paint, GC); what it leaves out is idle time, chiefly the wait for the next frame, which headless Chromium renders at 60 Hz. The floor page (a bare select whose change writes the summary) shows what the wait alone costs: its latency p95 is ~16-20 ms on an empty page. "event chosen" runs on a freshly loaded page with one membership chosen (the one with the longest class list); event_chosen_after_membership_choices_ms is 5 class choices made on the first page after all its membership choices (not budgeted: it shows whether earlier choices slow later ones down).',
  memory:
    'memory: one extra desktop load per page; 1 s after interactive, a full GC (HeapProfiler.collectGarbage), then JSHeapUsedSize/JSHeapTotalSize/Nodes (Performance.getMetrics) and Runtime.getHeapUsage; wasm linear memory = byteLength of the WebAssembly.Memory exported by the instance the probe saw created (WebAssembly.instantiate/instantiateStreaming are wrapped).',
  sizes:
    'sizes: every wasm, js and css file of the release build, raw, gzip -9 and brotli -11 (node zlib); total = their sum. The split build (embed/build.mjs) also lists each chunk with when it is needed (embed/chunks.json) and its brotli size, and the two byte budgets from its manifest: first_screen_brotli = loader + main wasm + every chunk needed before the first list (in the language that needs most; the CSS is compiled into the wasm), purchase_brotli = the English first screen + every chunk a TeamUp purchase with plan + class loads (limits 100 KB and 250 KB of 1,024 bytes). The loads check the declaration: a chunk fetched before the first list painted that is not declared first-screen is a problem. wasm_fetched in the load sections says when each .wasm was asked for (after navigation start, and after the first list painted). page_transfer_bytes is what Chromium actually transferred for the page (navigation + static files, Resource Timing transferSize).',
  cold:
    'cold choice (desktop profile on the 50 ms latency sandbox, and mobile profile; demo studio): a freshly loaded page (load = first list painted and loading over, as for the load rows), then the first click on membership 103 (recurring, with classes); from the click\'s timeStamp to the rendered frame in which it is checked, its plans and its class choice (event select, or the no-classes note) are shown; work = the main thread\'s busy time over that span from a Chromium trace (as for the interactions). In the split build the class pickers are a chunk fetched when idle after the first paint: chunk_ready_at_input counts the runs in which it had arrived before the click; when it had not, the wait is in the figure. Budgets: work p95 on desktop (as for the interactions), latency p95 on mobile.',
  cls:
    'layout shift (cls): the example pages (examples/, rendered by embed/examples.mjs for a CDN serving this build; the API on the pages\' own origin, a sandbox with the demo studio), desktop and mobile profiles, fresh contexts; the single-page app opened at home and its Join link clicked (the app inserting its view is input-driven); layout-shift entries (PerformanceObserver, buffered) from navigation until every widget on the page shows its membership list plus 1 s; CLS = the largest session window (shifts < 1 s apart, window <= 5 s), without shifts after recent input; the budget is the worst page, profile and run. worst_run lists that run\'s shifts (what moved, from where to where) and the widgets\' heights.',
};

function budgets(report) {
  const clsWorst = (() => {
    if (!report.cls) return null;
    const xs = Object.values(report.cls).flatMap((p) => Object.values(p).map((x) => x.cls_max));
    return xs.length && xs.every((x) => x != null) ? Math.max(...xs) : null;
  })();
  const worstP95 = (() => {
    const xs = [report.scale?.widget?.membership_work_ms?.p95, report.scale?.widget?.event_work_ms?.p95];
    return xs.some((x) => x == null) ? null : Math.max(...xs);
  })();
  const actual = {
    first_screen_brotli: report.sizes?.first_screen_brotli ?? null,
    purchase_brotli: report.sizes?.purchase_brotli ?? null,
    cold_choice_work_p95: report.cold?.desktop?.widget?.work_ms?.p95 ?? null,
    cold_choice_latency_p95: report.cold?.mobile?.widget?.latency_ms?.p95 ?? null,
    cls: clsWorst,
    first_list_ratio_desktop: report.desktop?.ratio.first_list ?? null,
    first_list_ratio_mobile: report.mobile?.ratio.first_list ?? null,
    interaction_p95: worstP95,
  };
  return BUDGETS.map((b) => ({ ...b, actual: actual[b.id], pass: actual[b.id] == null ? null : actual[b.id] <= b.limit }));
}

// ---- table ----
const kib = (n) => (n == null ? '-' : `${(n / KB).toFixed(1)} KB`);
const ms = (n) => (n == null ? '-' : `${Math.round(n)} ms`);
const ms1 = (n) => (n == null ? '-' : `${n.toFixed(1)} ms`);
const mib = (n) => (n == null ? '-' : `${(n / KB / KB).toFixed(2)} MB`);
function table(rows) {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => String(r[i]).length)));
  return rows.map((r, ri) => {
    const line = r.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join('  ');
    return ri === 0 ? `${line}\n${widths.map((w) => '-'.repeat(w)).join('  ')}` : line;
  }).join('\n');
}

function print(report) {
  const out = [];
  const p = (s = '') => out.push(s);
  p(`membership-checkout benchmark  ${report.environment.date}  ${report.environment.commit?.slice(0, 10) ?? ''}${report.environment.working_tree_dirty ? ' (dirty)' : ''}  Chromium ${report.environment.chromium}, ${report.environment.cpus} CPUs${report.options.quick ? '  [--quick: not for figures]' : ''}`);
  p(`build: ${report.build.source} (${report.build.dir})`);
  if (report.sizes) {
    const s = report.sizes;
    p();
    p(table([
      ['size', 'raw', 'gzip', 'brotli'],
      ...['wasm', 'js', 'css'].map((k) => [`${k}${s[k].files ? '' : ' (none)'}`, kib(s[k].raw), kib(s[k].gzip), kib(s[k].brotli)]),
      ['total transferred', kib(s.total.raw), kib(s.total.gzip), kib(s.total.brotli)],
      ['baseline js (for reference)', kib(s.baseline.raw), kib(s.baseline.gzip), kib(s.baseline.brotli)],
    ]));
    if (s.chunks) {
      // One row per file of the split build: brotli bytes, when it is needed (embed/chunks.json),
      // and when the loads fetched it (median ms after the first list painted; desktop, then mobile).
      const when = (key, name) => {
        const f = report[key]?.widget?.wasm_fetched?.[name];
        if (!f) return report[key] ? 'not fetched' : '-';
        const t = f.after_first_list_ms.median;
        return `${t < 0 ? `${Math.round(-t)} ms before` : `+${Math.round(t)} ms after`} list (${f.runs}/${report[key].widget.runs})`;
      };
      p();
      p(table([
        ['file (split build)', 'brotli', 'needed', 'fetched, desktop', 'fetched, mobile'],
        [`loader ${s.loader.name}`, kib(s.loader.brotli), 'first-screen', 'first', 'first'],
        [`main ${s.main.name}`, kib(s.main.brotli), 'first-screen', when('desktop', s.main.name), when('mobile', s.main.name)],
        ...s.chunks.map((c) => [`${c.chunk} (${c.split_points.join(', ')})`, kib(c.brotli), c.needed, when('desktop', c.name), when('mobile', c.name)]),
        [`first screen (${s.first_screen_language})`, kib(s.first_screen_brotli), '', '', ''],
        ['whole TeamUp purchase (plan + class)', kib(s.purchase_brotli), '', '', ''],
      ]));
    }
  }
  for (const [key, title] of [['desktop', `load, ${report.options.latency} ms added latency`], ['mobile', 'load, mobile profile (1.6 Mbit/s, 150 ms, CPU 4x)']]) {
    const l = report[key];
    if (!l) continue;
    p();
    p(`${title}: ${l.widget.runs} + ${l.baseline.runs} runs${l.failures.length ? `, ${l.failures.length} FAILED` : ''}${l.same_requests ? '' : '  (!) widget and baseline requests differ'}`);
    p(table([
      ['', 'widget median', 'p95', 'baseline median', 'p95', 'ratio'],
      ['first list painted', ms(l.widget.first_list_ms.median), ms(l.widget.first_list_ms.p95), ms(l.baseline.first_list_ms.median), ms(l.baseline.first_list_ms.p95), l.ratio.first_list?.toFixed(2) ?? '-'],
      ['interactive', ms(l.widget.interactive_ms.median), ms(l.widget.interactive_ms.p95), ms(l.baseline.interactive_ms.median), ms(l.baseline.interactive_ms.p95), l.ratio.interactive?.toFixed(2) ?? '-'],
      ['page transferred', kib(l.widget.page_transfer_bytes.median), '', kib(l.baseline.page_transfer_bytes.median), '', ''],
    ]));
  }
  if (report.scale) {
    const w = report.scale.widget;
    const b = report.scale.baseline;
    p();
    p(`interactions at ${report.scale.catalogue.memberships} memberships / ${report.scale.catalogue.events} events (no added latency; ${w.membership_to_plans_ms.n} + ${w.event_chosen_ms.n} samples; class select: ${w.event_options ?? '-'} options)`);
    p(table([
      ['', 'widget p50', 'p95', 'baseline p50', 'p95'],
      ['membership -> plans shown', ms1(w.membership_to_plans_ms.p50), ms1(w.membership_to_plans_ms.p95), ms1(b.membership_to_plans_ms.p50), ms1(b.membership_to_plans_ms.p95)],
      ['  (first frame after input)', ms1(w.membership_next_paint_ms.p50), ms1(w.membership_next_paint_ms.p95), ms1(b.membership_next_paint_ms.p50), ms1(b.membership_next_paint_ms.p95)],
      ['  work (frame wait left out)', ms1(w.membership_work_ms.p50), ms1(w.membership_work_ms.p95), ms1(b.membership_work_ms.p50), ms1(b.membership_work_ms.p95)],
      ['event chosen -> summary', ms1(w.event_chosen_ms.p50), ms1(w.event_chosen_ms.p95), ms1(b.event_chosen_ms.p50), ms1(b.event_chosen_ms.p95)],
      ['  (first frame after input)', ms1(w.event_next_paint_ms.p50), ms1(w.event_next_paint_ms.p95), ms1(b.event_next_paint_ms.p50), ms1(b.event_next_paint_ms.p95)],
      ['  work (frame wait left out)', ms1(w.event_work_ms.p50), ms1(w.event_work_ms.p95), ms1(b.event_work_ms.p50), ms1(b.event_work_ms.p95)],
      [`  (after the ${w.membership_to_plans_ms.n} choices above)`, ms1(w.event_chosen_after_membership_choices_ms.p50), ms1(w.event_chosen_after_membership_choices_ms.p95), ms1(b.event_chosen_after_membership_choices_ms.p50), ms1(b.event_chosen_after_membership_choices_ms.p95)],
      ['floor: a bare select, same key', ms1(report.scale.floor?.latency_ms.p50), ms1(report.scale.floor?.latency_ms.p95), '', ''],
      ['  work (frame wait left out)', ms1(report.scale.floor?.work_ms.p50), ms1(report.scale.floor?.work_ms.p95), '', ''],
      ['load: first list (median)', ms(report.scale.loads?.widget.first_list_ms.median), '', ms(report.scale.loads?.baseline.first_list_ms.median), ''],
      ['load: interactive (median)', ms(report.scale.loads?.widget.interactive_ms.median), '', ms(report.scale.loads?.baseline.interactive_ms.median), ''],
    ]));
  }
  for (const profile of ['desktop', 'mobile']) {
    if (!report.cold?.[profile]) continue;
    const w = report.cold[profile].widget, b = report.cold[profile].baseline;
    p();
    p(`cold choice, ${profile} profile: membership ${COLD_MEMBERSHIP} chosen first on a freshly loaded page (${w.runs} + ${b.runs} runs; checkout's chunk (form) already there in ${w.chunk_ready_at_input ?? '-'} of ${w.runs})`);
    p(table([
      ['', 'widget p50', 'p95', 'baseline p50', 'p95'],
      ['membership -> plans + class pickers', ms1(w.latency_ms.p50), ms1(w.latency_ms.p95), ms1(b.latency_ms.p50), ms1(b.latency_ms.p95)],
      ['  (first frame after input)', ms1(w.next_paint_ms.p50), ms1(w.next_paint_ms.p95), ms1(b.next_paint_ms.p50), ms1(b.next_paint_ms.p95)],
      ['  work (frame wait left out)', ms1(w.work_ms.p50), ms1(w.work_ms.p95), ms1(b.work_ms.p50), ms1(b.work_ms.p95)],
    ]));
  }
  if (report.cls) {
    p();
    p('layout shift on the example pages (CLS: largest session window; max and median over the runs)');
    p(table([
      ['page', 'desktop max', 'median', 'mobile max', 'median'],
      ...Object.entries(report.cls).map(([page, r]) => [page, r.desktop.cls_max?.toFixed(4) ?? '-', r.desktop.cls_median?.toFixed(4) ?? '-', r.mobile.cls_max?.toFixed(4) ?? '-', r.mobile.cls_median?.toFixed(4) ?? '-']),
    ]));
  }
  if (report.memory) {
    const m = report.memory;
    p();
    p(table([
      ['memory after load (after GC)', 'widget', 'baseline', 'widget @scale', 'baseline @scale'],
      ['wasm linear memory', mib(m.demo?.widget?.wasm_linear_memory_bytes), mib(m.demo?.baseline?.wasm_linear_memory_bytes), mib(m.scale?.widget?.wasm_linear_memory_bytes), mib(m.scale?.baseline?.wasm_linear_memory_bytes)],
      ['JS heap used', mib(m.demo?.widget?.js_heap_used_bytes), mib(m.demo?.baseline?.js_heap_used_bytes), mib(m.scale?.widget?.js_heap_used_bytes), mib(m.scale?.baseline?.js_heap_used_bytes)],
      ['DOM nodes', m.demo?.widget?.dom_nodes ?? '-', m.demo?.baseline?.dom_nodes ?? '-', m.scale?.widget?.dom_nodes ?? '-', m.scale?.baseline?.dom_nodes ?? '-'],
    ]));
  }
  p();
  p(table([
    ['budget', 'limit', 'actual', ''],
    ...report.budgets.map((b) => [b.what, b.unit === 'bytes' ? kib(b.limit) : b.unit === 'ms' ? ms1(b.limit) : b.limit.toFixed(2), b.actual == null ? '-' : b.unit === 'bytes' ? kib(b.actual) : b.unit === 'ms' ? ms1(b.actual) : b.actual.toFixed(b.unit === 'score' ? 4 : 3), b.pass == null ? 'not measured' : b.pass ? 'ok' : 'MISSED']),
  ]));
  const missed = report.budgets.filter((b) => b.pass === false);
  p();
  p(missed.length ? `${missed.length} budget(s) missed: ${missed.map((b) => b.id).join(', ')}${report.options.budgets ? '' : ' (--no-budgets: not failing)'}` : 'all measured budgets met');
  if (report.problems.length) p(`problems: ${report.problems.join('; ')}`);
  p(`report: ${report.options.out}`);
  return out.join('\n');
}

// ---------------------------------------------------------------------------------------------
async function main() {
  const o = parseArgs(process.argv.slice(2));
  const started = Date.now();
  const log = (s) => process.stderr.write(`${s}\n`);
  const assets = widgetAssets(resolve(o.widgetDir), o.source);
  const css = assets.css ?? readFileSync(join(ROOT, 'style/widget.css'), 'utf8');
  const baselineJs = await buildBaseline(css);
  const baselineName = 'baseline.js';

  // Pages: one widget and one baseline page per sandbox.
  const files = new Map(assets.serve);
  files.set(`/${baselineName}`, baselineJs);
  const pagePaths = {};
  for (const [name, api] of [['desktop', o.api], ['mobile', o.apiFast], ['scale', o.apiScale]]) {
    if (!api) continue;
    files.set(`/widget-${name}.html`, Buffer.from(page({ title: 'Join Riverside Fitness Studio', head: assets.head, host: `<div data-membership-checkout ${hostAttributes(api)}>\n  <p>Loading the membership checkout…</p>\n</div>` })));
    files.set(`/baseline-${name}.html`, Buffer.from(page({ title: 'Join Riverside Fitness Studio', head: `<script type="module" src="/${baselineName}"></script>`, host: `<div data-bench-baseline ${hostAttributes(api)}>\n  <p>Loading the membership checkout…</p>\n</div>` })));
    pagePaths[name] = { widget: `/widget-${name}.html`, baseline: `/baseline-${name}.html` };
  }
  files.set('/floor.html', Buffer.from(page({ title: 'Floor: a select and nothing else', head: '', host: FLOOR_HOST })));
  const slow = await startStaticServer(files, { delayMs: o.latency });
  const fast = await startStaticServer(files, { delayMs: 0 });
  const urls = (server, name) => ({ widget: server.url + pagePaths[name].widget, baseline: server.url + pagePaths[name].baseline });

  const browser = await chromium.launch({ executablePath: process.env.CHROME_BIN || '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS });
  const report = {
    environment: environment(browser),
    options: { runs: o.runs, interactions: o.interactions, quick: o.quick, budgets: o.budgets, latency: o.latency, phases: o.only, out: o.out, mobile: MOBILE },
    build: { source: assets.source, dir: assets.dir, version: assets.version, notes: assets.notes },
    method: METHOD,
    problems: [],
  };
  try {
    if (o.only.includes('sizes')) {
      report.sizes = sizes(assets);
      report.sizes.baseline = { raw: baselineJs.length, gzip: gzip(baselineJs).length, brotli: brotli(baselineJs).length };
      if (assets.manifest?.total_transferred) report.sizes.manifest_total_transferred = assets.manifest.total_transferred;
      log(`sizes: wasm ${kib(report.sizes.wasm.gzip)} gzip, js ${kib(report.sizes.js.gzip)}, css ${kib(report.sizes.css.gzip)}; total ${kib(report.sizes.total.gzip)} gzip / ${kib(report.sizes.total.brotli)} brotli`);
    }
    if (o.only.includes('desktop')) {
      log(`desktop loads (${o.latency} ms added latency), ${o.runs} runs per page:`);
      report.desktop = await loadRuns(browser, { label: 'desktop', profile: 'desktop', pages: urls(slow, 'desktop'), runs: o.runs, timeout: 30000, log });
    }
    if (o.only.includes('mobile')) {
      log(`mobile loads, ${o.runs} runs per page:`);
      report.mobile = await loadRuns(browser, { label: 'mobile', profile: 'mobile', pages: urls(fast, 'mobile'), runs: o.runs, timeout: 90000, log });
    }
    if (o.only.includes('cold')) {
      const runs = o.quick ? 3 : Math.min(o.runs, 10);
      log(`cold choice (desktop, mobile), ${runs} runs per page and profile:`);
      const chunkFile = assets.manifest?.split_points?.form?.files?.[0] ?? null;
      report.cold = { membership: COLD_MEMBERSHIP, chunk: chunkFile };
      for (const [profile, server] of [['desktop', slow], ['mobile', fast]]) {
        const pages = urls(server, profile);
        report.cold[profile] = {
          widget: await coldChoices(browser, pages.widget, { profile, runs, timeout: 90000, log, label: 'widget', chunkFile }),
          baseline: await coldChoices(browser, pages.baseline, { profile, runs, timeout: 90000, log, label: 'baseline', chunkFile: null }),
        };
      }
    }
    if (o.only.includes('scale')) {
      log(`scale (${MEMBERSHIPS} memberships, ${EVENTS} events):`);
      const pages = urls(fast, 'scale');
      report.scale = {
        catalogue: { memberships: MEMBERSHIPS, events: EVENTS, note: 'bench/catalogue.mjs; events page 250 at a time (20 pages), memberships 100 (10 pages)' },
        loads: await loadRuns(browser, { label: 'scale', profile: 'desktop', pages, runs: o.scaleLoads, timeout: 120000, log }),
        widget: await interactions(browser, pages.widget, { iterations: o.interactions, timeout: 60000, log, label: 'widget' }),
        baseline: await interactions(browser, pages.baseline, { iterations: o.interactions, timeout: 60000, log, label: 'baseline' }),
        floor: await floorInteractions(browser, `${fast.url}/floor.html`, { iterations: o.interactions, timeout: 60000, log }),
      };
    }
    if (o.only.includes('cls')) {
      if (assets.source !== 'embed') throw new Error('the layout-shift phase needs an embed build (manifest.json)');
      // The example pages, rendered for a CDN serving this build, on the examples sandbox's site.
      const cdn = await startStaticServer(new Map(assets.serve), { delayMs: 0 });
      try {
        execFileSync('node', [join(ROOT, 'embed/examples.mjs'), '--cdn', `${cdn.url}/`, '--out', o.examplesDir, '--embed', assets.dir], { stdio: ['ignore', 'ignore', 'inherit'] });
        const runs = o.quick ? 2 : 5;
        log(`layout shift on the example pages, ${runs} runs per page and profile:`);
        report.cls = await layoutShift(browser, o.examples.replace(/\/$/, ''), { runs, timeout: 90000, log });
      } finally {
        await cdn.close();
      }
    }
    if (o.only.includes('memory')) {
      log('memory after load:');
      report.memory = {};
      for (const [name, server, key] of [['demo', slow, 'desktop'], ['scale', fast, 'scale']]) {
        if (!pagePaths[key]) continue;
        report.memory[name] = {};
        for (const kind of ['widget', 'baseline']) {
          try {
            report.memory[name][kind] = await memoryAfterLoad(browser, urls(server, key)[kind], 120000);
          } catch (e) {
            report.problems.push(`memory ${name} ${kind}: ${String(e.message || e).split('\n')[0]}`);
          }
        }
      }
    }
  } finally {
    await browser.close();
    await slow.close();
    await fast.close();
  }

  // Anything that makes the figures doubtful goes into problems (and fails the run).
  for (const key of ['desktop', 'mobile']) {
    const l = report[key];
    if (!l) continue;
    if (l.failures.length) report.problems.push(`${key}: ${l.failures.length} load(s) failed`);
    if (!l.same_requests) report.problems.push(`${key}: the widget's and the baseline's API requests differ (see request_shapes)`);
    if (l.widget.list_items !== l.baseline.list_items) report.problems.push(`${key}: list sizes differ (widget ${l.widget.list_items}, baseline ${l.baseline.list_items})`);
  }
  // The first screen's declaration (embed/chunks.json) must cover what the loads fetched before the list.
  const chunkNames = new Set((report.sizes?.chunks ?? []).filter((c) => !['first-screen'].includes(c.needed) && !c.needed.startsWith('language:')).map((c) => c.name));
  for (const key of ['desktop', 'mobile']) {
    const early = new Set((report[key]?.widget?.before_first_list ?? []).flat().filter((n) => chunkNames.has(n)));
    if (early.size) report.problems.push(`${key}: fetched before the first list, but not declared first-screen in embed/chunks.json: ${[...early].join(', ')}`);
  }
  if (report.cold) {
    for (const profile of ['desktop', 'mobile']) for (const kind of ['widget', 'baseline']) {
      const f = report.cold[profile]?.[kind]?.failures ?? [];
      if (f.length) report.problems.push(`cold ${profile} ${kind}: ${f.length} run(s) failed (${f[0].error})`);
    }
  }
  if (report.cls) {
    for (const [page, r] of Object.entries(report.cls)) for (const [profile, x] of Object.entries(r)) if (x.failures.length) report.problems.push(`cls ${page} ${profile}: ${x.failures.length} run(s) failed (${x.failures[0].error})`);
  }
  if (report.scale) {
    for (const kind of ['widget', 'baseline', 'floor']) {
      const f = report.scale[kind].failures;
      if (f.length) report.problems.push(`scale ${kind}: ${f.length} interaction(s) failed (${f[0].interaction}: ${f[0].error})`);
    }
  }
  report.budgets = budgets(report);
  report.wall_time_s = Math.round((Date.now() - started) / 100) / 10;
  mkdirSync(dirname(o.out), { recursive: true });
  writeFileSync(o.out, `${JSON.stringify(report, null, 2)}\n`);
  console.log(print(report));
  console.log(`wall time: ${report.wall_time_s} s`);
  const missed = report.budgets.filter((b) => b.pass === false);
  if (report.problems.length) process.exit(2);
  if (missed.length && o.budgets) process.exit(1);
}

main().catch((e) => {
  console.error(e.stack || String(e));
  process.exit(2);
});
