// Builds the cross-site embed (scripts/build-embed.sh runs it after `trunk build --release`):
//
//   dist-embed/membership-checkout-<version>.js             loader + glue, one minified ES module
//   dist-embed/membership-checkout-<version>-<hash>.wasm     the widget (styles compiled in)
//   dist-embed/membership-checkout-<version>.d.ts           typings for the element, API and events
//   dist-embed/snippet.html                                 copy-paste markup: wasm preload hint + loader, SRI hashes
//   dist-embed/manifest.json                                files, sizes (raw, gzip, brotli), hashes
//
// Usage: node embed/build.mjs [--dist dist] [--out dist-embed] [--public-url https://cdn.example/...]
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
const dist = resolve(root, option('dist', 'dist'));
const out = resolve(root, option('out', 'dist-embed'));
const publicUrl = option('public-url', 'https://cdn.example.com/membership-checkout/').replace(/\/?$/, '/');

const cargo = readFileSync(join(root, 'Cargo.toml'), 'utf8');
const version = /\[package\][^[]*?\nversion\s*=\s*"([^"]+)"/.exec(cargo)?.[1];
if (!version) throw new Error('no [package] version in Cargo.toml');

const fail = message => { console.error(`build-embed: ${message}`); process.exit(1); };
const built = readdirSync(dist);
const glue = built.filter(f => /^membership-checkout-[0-9a-f]+\.js$/.test(f));
const wasmFiles = built.filter(f => /^membership-checkout-[0-9a-f]+_bg\.wasm$/.test(f));
if (glue.length !== 1 || wasmFiles.length !== 1) {
  fail(`expected one membership-checkout-<hash>.js and one _bg.wasm in ${dist} (run trunk build --release), found ${[...glue, ...wasmFiles].join(', ') || 'none'}`);
}

const sri = bytes => `sha384-${createHash('sha384').update(bytes).digest('base64')}`;
const sizes = bytes => ({
  bytes: bytes.length,
  gzip: gzipSync(bytes, { level: 9 }).length,
  brotli: brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length,
});

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

const wasm = readFileSync(join(dist, wasmFiles[0]));
const wasmHash = createHash('sha256').update(wasm).digest('hex').slice(0, 12);
const wasmName = `membership-checkout-${version}-${wasmHash}.wasm`;
writeFileSync(join(out, wasmName), wasm);

const bundle = await esbuild.build({
  entryPoints: [join(root, 'embed/loader.js')],
  bundle: true,
  format: 'esm',
  minify: true,
  target: ['es2022'],
  legalComments: 'none',
  write: false,
  define: { __WASM_FILE__: JSON.stringify(wasmName), __WASM_INTEGRITY__: JSON.stringify(sri(wasm)) },
  plugins: [{
    name: 'glue',
    setup(build) {
      build.onResolve({ filter: /^membership-checkout-glue$/ }, () => ({ path: join(dist, glue[0]) }));
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
// The preload hint starts the wasm's download with the page instead of after the loader has arrived
// and run. It must ask exactly what the loader's `fetch(wasm, {integrity})` asks (same URL, CORS,
// credentials same-origin = crossorigin="anonymous", same integrity), or Chromium downloads twice.
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
  { role: 'loader', name: loaderName, integrity: loaderSri, ...sizes(loader) },
  { role: 'wasm', name: wasmName, integrity: wasmSri, ...sizes(wasm) },
  { role: 'typings', name: typingsName, integrity: sri(typings), ...sizes(typings) },
];
const transferred = files.filter(f => f.role !== 'typings');
const total = Object.fromEntries(['bytes', 'gzip', 'brotli'].map(k => [k, transferred.reduce((sum, f) => sum + f[k], 0)]));
const manifest = {
  version,
  loader: loaderName,
  wasm: wasmName,
  typings: typingsName,
  css: 'compiled into the wasm (style/widget.css, adopted into each shadow root): no separate file',
  files,
  total_transferred: total,
};
writeFileSync(join(out, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');

const kib = n => `${(n / 1024).toFixed(1)} KiB`.padStart(10);
console.log(`embed build ${version} -> ${out}`);
console.log(`  ${'file'.padEnd(44)}${'raw'.padStart(10)}${'gzip'.padStart(10)}${'brotli'.padStart(10)}`);
for (const f of files) console.log(`  ${f.name.padEnd(44)}${kib(f.bytes)}${kib(f.gzip)}${kib(f.brotli)}`);
console.log(`  ${'transferred (loader + wasm)'.padEnd(44)}${kib(total.bytes)}${kib(total.gzip)}${kib(total.brotli)}`);
