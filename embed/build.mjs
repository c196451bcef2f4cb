// Bundles the cross-site embed (scripts/build-embed.sh runs it after building the wasm):
//
//   dist-embed/membership-checkout-<version>.js                   loader + glue (+ chunk loader and table), one minified ES module
//   dist-embed/membership-checkout-<version>-<hash>.wasm          the main module: what the first screen runs (styles compiled in)
//   dist-embed/membership-checkout-<version>-<chunk>-<hash>.wasm  each chunk (split build), fetched on demand
//   dist-embed/membership-checkout-<version>.d.ts                 typings for the element, API and events
//   dist-embed/snippet.html                                       copy-paste markup: wasm preload hint + loader, SRI hashes
//   dist-embed/manifest.json                                      files, sizes (raw, gzip, brotli), hashes, when each is needed, the size budgets
//
// Usage: node embed/build.mjs --split target/split/pkg [--out dist-embed] [--public-url https://cdn.example/...]
//        node embed/build.mjs --dist dist [--out DIR] [--public-url ...]   (the unsplit embed from trunk's release build, for comparison)
//
// --split takes scripts/build-embed.sh's wasm-split + wasm-bindgen output (membership-checkout.js,
// membership-checkout_bg.wasm, split_<name>.wasm per split point, chunk_<n>.wasm for code several
// split points share, __wasm_split.js). Every split point must be declared in embed/chunks.json
// (when its chunk is needed); the build stops on one that isn't, or on a declaration without a
// split point. The loader carries the chunk table (hashed file name + SHA-384 of each chunk):
// __wasm_split.js's fetches are rewritten into embed/chunks.js's `chunk(name)`, which asks with
// `integrity`, relative to the loader's own URL, and aborts when the last widget leaves.
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import * as esbuild from 'esbuild';

const root = resolve(import.meta.dirname, '..');
const option = (name, fallback) => {
  const at = process.argv.indexOf(`--${name}`);
  return at > 0 && process.argv[at + 1] ? process.argv[at + 1] : fallback;
};
const splitDir = option('split', null) && resolve(root, option('split'));
const dist = splitDir || resolve(root, option('dist', 'dist'));
const out = resolve(root, option('out', 'dist-embed'));
const publicUrl = option('public-url', 'https://cdn.example.com/membership-checkout/').replace(/\/?$/, '/');

const cargo = readFileSync(join(root, 'Cargo.toml'), 'utf8');
const version = /\[package\][^[]*?\nversion\s*=\s*"([^"]+)"/.exec(cargo)?.[1];
if (!version) throw new Error('no [package] version in Cargo.toml');

const fail = message => { console.error(`build-embed: ${message}`); process.exit(1); };
const built = readdirSync(dist);
const glue = built.filter(f => splitDir ? f === 'membership-checkout.js' : /^membership-checkout-[0-9a-f]+\.js$/.test(f));
const wasmFiles = built.filter(f => splitDir ? f === 'membership-checkout_bg.wasm' : /^membership-checkout-[0-9a-f]+_bg\.wasm$/.test(f));
if (glue.length !== 1 || wasmFiles.length !== 1) {
  fail(splitDir
    ? `expected membership-checkout.js and membership-checkout_bg.wasm in ${dist} (run scripts/build-embed.sh), found ${built.join(', ') || 'nothing'}`
    : `expected one membership-checkout-<hash>.js and one _bg.wasm in ${dist} (run trunk build --release), found ${[...glue, ...wasmFiles].join(', ') || 'none'}`);
}

const sri = bytes => `sha384-${createHash('sha384').update(bytes).digest('base64')}`;
const short = bytes => createHash('sha256').update(bytes).digest('hex').slice(0, 12);
const sizes = bytes => ({
  bytes: bytes.length,
  gzip: gzipSync(bytes, { level: 9 }).length,
  brotli: brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length,
});

// ---- the split build's chunks: which split points load which files, and when each is needed ----
// The order of `needed`, earliest first: a file several split points load is needed at the
// earliest of their times.
const NEEDED = ['first-screen', 'language', 'purchase', 'later'];
const rank = needed => NEEDED.indexOf(needed.split(':')[0]);
// The budgets, and the ceilings that stand in for them until they are met (embed/budgets.json).
const { budgets: LIMITS, ceilings: CEILINGS = {} } = JSON.parse(readFileSync(join(root, 'embed/budgets.json'), 'utf8'));
const languages = readdirSync(join(root, 'locales')).filter(f => /^[a-z]{2}\.txt$/.test(f)).map(f => f.slice(0, 2)).sort();

const declared = JSON.parse(readFileSync(join(root, 'embed/chunks.json'), 'utf8')).chunks;
for (const [name, { needed }] of Object.entries(declared)) {
  const [kind, lang] = needed.split(':');
  if (rank(needed) < 0 || (kind === 'language') !== Boolean(lang) || (lang && !languages.includes(lang))) {
    fail(`embed/chunks.json: "${name}" is needed "${needed}": say first-screen, language:<${languages.join('|')}>, purchase or later`);
  }
}

/** {splitPoint: [chunk file stems it loads]} from __wasm_split.js. */
function splitPoints(js) {
  const shared = {};
  for (const m of js.matchAll(/const (__chunk_\d+) = makeLoad\(\(\) => \{\s*const src = fetch\(new URL\("\.\/(chunk_\d+)\.wasm"/g)) shared[m[1]] = m[2];
  const points = {};
  for (const m of js.matchAll(/export const __wasm_split_load_(\w+) = wrapAsyncCb\(makeLoad\(([^]*?), \[([^\]]*)\]\)\);/g)) {
    const own = [...m[2].matchAll(/"\.\/(split_\w+)\.wasm"/g)].map(x => x[1]);
    const deps = m[3].split(',').map(x => x.trim()).filter(Boolean).map(v => {
      if (!shared[v]) fail(`__wasm_split.js: ${m[1]} depends on ${v}, which loads no chunk_<n>.wasm`);
      return shared[v];
    });
    points[m[1]] = [...own, ...deps];
  }
  return points;
}

const chunkFiles = splitDir ? built.filter(f => /^(split|chunk)_\w+\.wasm$/.test(f)).sort() : [];
let points = {};
if (splitDir) {
  points = splitPoints(readFileSync(join(dist, '__wasm_split.js'), 'utf8'));
  const found = Object.keys(points).sort();
  const missing = found.filter(p => !declared[p]);
  const stale = Object.keys(declared).filter(p => !points[p]);
  if (missing.length) fail(`split point(s) ${missing.join(', ')} not declared in embed/chunks.json: say when each is needed`);
  if (stale.length) fail(`embed/chunks.json declares ${stale.join(', ')}, which the build has no split point for`);
  const loaded = new Set(Object.values(points).flat());
  const unused = chunkFiles.map(f => f.slice(0, -5)).filter(f => !loaded.has(f));
  if (unused.length) fail(`${unused.join(', ')}: made by wasm-split, loaded by no split point`);
}

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

const wasm = readFileSync(join(dist, wasmFiles[0]));
const wasmName = `membership-checkout-${version}-${short(wasm)}.wasm`;
writeFileSync(join(out, wasmName), wasm);

// Chunks under hashed, immutable names.
const chunks = chunkFiles.map(file => {
  const bytes = readFileSync(join(dist, file));
  const stem = file.slice(0, -5);
  const name = `membership-checkout-${version}-${stem.replace(/_/g, '-')}-${short(bytes)}.wasm`;
  writeFileSync(join(out, name), bytes);
  const by = Object.keys(points).filter(p => points[p].includes(stem)).sort();
  const needed = by.map(p => declared[p].needed).sort((a, b) => rank(a) - rank(b))[0];
  return { stem, name, bytes, split_points: by, needed };
});
const chunkTable = Object.fromEntries(chunks.map(c => [c.stem, [c.name, sri(c.bytes)]]));
const languageChunks = {};
for (const [point, files] of Object.entries(points)) {
  const [kind, lang] = declared[point].needed.split(':');
  if (kind === 'language') languageChunks[lang] = [...new Set([...(languageChunks[lang] || []), ...files])];
}

const bundle = await esbuild.build({
  entryPoints: [join(root, 'embed/loader.js')],
  bundle: true,
  format: 'esm',
  minify: true,
  target: ['es2022'],
  legalComments: 'none',
  write: false,
  logOverride: { 'duplicate-object-key': 'silent' }, // wasm-bindgen's import object names __wasm_split.js twice
  define: { __WASM_FILE__: JSON.stringify(wasmName), __WASM_INTEGRITY__: JSON.stringify(sri(wasm)) },
  plugins: [{
    name: 'membership-checkout',
    setup(build) {
      build.onResolve({ filter: /^membership-checkout-glue$/ }, () => ({ path: join(dist, glue[0]) }));
      build.onResolve({ filter: /^membership-checkout-chunks$/ }, () => ({ path: join(root, 'embed/chunks.js') }));
      // The chunk table (empty in the unsplit build, where embed/chunks.js then does nothing).
      build.onResolve({ filter: /^membership-checkout-chunk-table$/ }, () => ({ path: 'table', namespace: 'mc-chunk-table' }));
      build.onLoad({ filter: /.*/, namespace: 'mc-chunk-table' }, () => ({
        loader: 'js',
        contents: [
          `export const CHUNKS = ${JSON.stringify(chunkTable)};`,
          `export const LANGUAGE_CHUNKS = ${JSON.stringify(languageChunks)};`,
          `export const LANGUAGES = ${JSON.stringify(languages)};`,
        ].join('\n'),
      }));
      if (!splitDir) return;
      build.onLoad({ filter: /__wasm_split\.js$/ }, args => {
        let rewritten = 0;
        const contents = readFileSync(args.path, 'utf8').replace(
          /fetch\(new URL\("\.\/(\w+)\.wasm", import\.meta\.url\)\)/g,
          (all, stem) => {
            if (!chunkTable[stem]) throw new Error(`__wasm_split.js fetches ${stem}.wasm, which is not in ${dist}`);
            rewritten++;
            return `__mcChunk(${JSON.stringify(stem)})`;
          },
        );
        if (rewritten !== chunks.length) throw new Error(`rewrote ${rewritten} chunk fetches in __wasm_split.js, expected ${chunks.length}`);
        return { loader: 'js', contents: `import { chunk as __mcChunk } from 'membership-checkout-chunks';\n${contents}` };
      });
    },
  }],
  banner: { js: `/*! membership-checkout ${version} */` },
});
const loader = Buffer.from(bundle.outputFiles[0].contents);
const loaderName = `membership-checkout-${version}.js`;
writeFileSync(join(out, loaderName), loader);

const typingsName = `membership-checkout-${version}.d.ts`;
const typings = readFileSync(join(root, 'embed/membership-checkout.d.ts'));
// Fails the build on a syntax error in the typings (esbuild parses TypeScript; it doesn't type-check).
await esbuild.transform(typings.toString(), { loader: 'ts' });
writeFileSync(join(out, typingsName), typings);

const loaderSri = sri(loader);
const wasmSri = sri(wasm);
// The preload hint starts the main wasm's download with the page instead of after the loader has
// arrived and run. It must ask exactly what the loader's `fetch(wasm, {integrity})` asks (same URL,
// CORS, credentials same-origin = crossorigin="anonymous", same integrity), or Chromium downloads
// twice. Chunks get no hint: the first screen doesn't need them, and they would compete with it.
const snippet = `<!-- membership-checkout ${version}: include once per page (a module script runs after the page is parsed). -->
<!-- Optional, recommended: starts the widget's download (the wasm) at once, in parallel with the loader. -->
<link rel="preload" href="${publicUrl}${wasmName}" as="fetch" type="application/wasm"
      integrity="${wasmSri}" crossorigin="anonymous">
<script type="module" src="${publicUrl}${loaderName}"
        integrity="${loaderSri}" crossorigin="anonymous"></script>

<membership-checkout api-base="https://goteamup.com/api/v2" provider-id="YOUR_PROVIDER_ID">
  <p>Loading the membership checkout…</p>
</membership-checkout>
`;
writeFileSync(join(out, 'snippet.html'), snippet);

const files = [
  { role: 'loader', name: loaderName, integrity: loaderSri, needed: 'first-screen', ...sizes(loader) },
  { role: 'wasm', name: wasmName, integrity: wasmSri, needed: 'first-screen', ...sizes(wasm) },
  ...chunks.map(c => ({ role: 'chunk', name: c.name, chunk: c.stem, split_points: c.split_points, needed: c.needed, integrity: sri(c.bytes), ...sizes(c.bytes) })),
  { role: 'typings', name: typingsName, integrity: sri(typings), ...sizes(typings) },
];
const transferred = files.filter(f => f.role !== 'typings');
const total = (list, k) => list.reduce((sum, f) => sum + f[k], 0);
const totals = list => Object.fromEntries(['bytes', 'gzip', 'brotli'].map(k => [k, total(list, k)]));

// The size budgets, in brotli bytes as a static server sends them (the CSS is compiled into the
// wasm, so it is in there). First screen: the loader, the main module and every chunk needed before
// the first list paints, in the language that needs the most. Purchase: the English first screen
// and every chunk a TeamUp purchase with a plan and a class loads.
const inLanguage = lang => transferred.filter(f => f.needed === 'first-screen' || f.needed === `language:${lang}`);
const perLanguage = Object.fromEntries(languages.map(lang => [lang, total(inLanguage(lang), 'brotli')]));
const worst = languages.reduce((a, b) => (perLanguage[b] > perLanguage[a] ? b : a), 'en');
const purchase = transferred.filter(f => ['first-screen', 'purchase'].includes(f.needed));
// pass: within the budget. ceiling (while the budget is not met yet): the figure may not grow
// beyond it; within_ceiling is what scripts/test.sh's build level gates on.
const budget = (key, list, extra) => {
  const brotli = total(list, 'brotli'), limit = LIMITS[key], ceiling = CEILINGS[key] ?? null;
  return { limit, brotli, pass: brotli <= limit, ceiling, within_ceiling: brotli <= Math.max(limit, ceiling ?? 0), files: list.map(f => f.name), ...extra };
};
const budgets = {
  unit: 'brotli bytes (quality 11); limits in KB of 1,024 bytes (embed/budgets.json)',
  first_screen: budget('first_screen', inLanguage(worst), { language: worst, by_language: perLanguage }),
  purchase: budget('purchase', purchase, { what: 'a TeamUp purchase with a plan and a class (English)' }),
};

const manifest = {
  version,
  split: Boolean(splitDir),
  loader: loaderName,
  wasm: wasmName,
  typings: typingsName,
  css: 'compiled into the wasm (style/widget.css, adopted into each shadow root): no separate file',
  files,
  split_points: Object.fromEntries(Object.entries(points).map(([p, stems]) => [p, {
    needed: declared[p].needed,
    what: declared[p].what,
    files: stems.map(s => chunks.find(c => c.stem === s).name),
  }])),
  budgets,
  total_transferred: totals(transferred),
};
writeFileSync(join(out, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');

const kib = n => `${(n / 1024).toFixed(1)} KiB`.padStart(10);
const width = Math.max(44, ...files.map(f => f.name.length + 2));
console.log(`embed build ${version}${splitDir ? ' (split)' : ' (unsplit)'} -> ${out}`);
console.log(`  ${'file'.padEnd(width)}${'raw'.padStart(10)}${'gzip'.padStart(10)}${'brotli'.padStart(10)}   needed`);
for (const f of files) {
  const when = f.needed ? `   ${f.needed}${f.split_points ? ` (${f.split_points.join(', ')})` : ''}` : '';
  console.log(`  ${f.name.padEnd(width)}${kib(f.bytes)}${kib(f.gzip)}${kib(f.brotli)}${when}`);
}
console.log(`  ${'everything a page may load'.padEnd(width)}${kib(total(transferred, 'bytes'))}${kib(total(transferred, 'gzip'))}${kib(total(transferred, 'brotli'))}`);
for (const [key, b] of Object.entries(budgets).filter(([k]) => k !== 'unit')) {
  const note = key === 'first_screen' ? ` (${b.language}${Object.keys(perLanguage).length > 1 ? `; ${Object.entries(perLanguage).map(([l, n]) => `${l} ${(n / 1024).toFixed(1)}`).join(', ')}` : ''})` : '';
  const state = b.pass ? 'ok' : b.within_ceiling ? `OVER, not met yet (ceiling ${(b.ceiling / 1024).toFixed(1)} KiB)` : `OVER the ceiling ${((b.ceiling ?? b.limit) / 1024).toFixed(1)} KiB`;
  console.log(`  budget ${key.replace('_', ' ')}: ${(b.brotli / 1024).toFixed(1)} KiB brotli of ${b.limit / 1024} KiB${note}: ${state}`);
}
