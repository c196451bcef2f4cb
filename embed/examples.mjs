// Renders the example host pages (examples/) for a given CDN address: {{CDN}} (where dist-embed/
// is served, ending in /), {{CDN_ORIGIN}}, {{LOADER}} and {{INTEGRITY}}, {{WASM}} and {{WASM_INTEGRITY}}
// (from manifest.json); {{LOADER_SCRIPT}}, the module script tag that loads the widget from the
// CDN, pinned by its SRI hash (as in snippet.html); and {{SITE_HEADER}}, the studio site's header,
// the same on each of its pages.
// Other files are copied as they are.
//
// Usage: node embed/examples.mjs --cdn http://127.0.0.1:8790/ --out DIR [--embed dist-embed]
import { copyFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const option = name => {
  const at = process.argv.indexOf(`--${name}`);
  return at > 0 ? process.argv[at + 1] : undefined;
};
const cdn = option('cdn');
const out = option('out');
if (!cdn || !out) {
  console.error('usage: node embed/examples.mjs --cdn URL --out DIR [--embed dist-embed]');
  process.exit(2);
}
const embed = resolve(root, option('embed') || 'dist-embed');
const manifest = JSON.parse(readFileSync(join(embed, 'manifest.json'), 'utf8'));
const loader = manifest.files.find(f => f.role === 'loader');
const wasm = manifest.files.find(f => f.role === 'wasm');
const base = new URL(cdn).href.replace(/\/?$/, '/');
const values = {
  CDN: base, CDN_ORIGIN: new URL(base).origin, LOADER: loader.name, INTEGRITY: loader.integrity,
  WASM: wasm.name, WASM_INTEGRITY: wasm.integrity,
};
values.LOADER_SCRIPT =
  `<script type="module" src="${values.CDN}${values.LOADER}" integrity="${values.INTEGRITY}" crossorigin="anonymous"></script>`;
values.SITE_HEADER = `<header class="site-header">
    <a class="brand" href="index.html">Riverside Fitness Studio</a>
    <nav><a href="index.html">Examples</a><a href="plain.html">Join</a><a href="dark.html">Night classes</a></nav>
  </header>`;

mkdirSync(out, { recursive: true });
const source = join(root, 'examples');
for (const name of readdirSync(source)) {
  if (!name.endsWith('.html')) {
    copyFileSync(join(source, name), join(out, name));
    continue;
  }
  const html = readFileSync(join(source, name), 'utf8').replace(/\{\{([A-Z_]+)\}\}/g, (all, key) => {
    if (!(key in values)) throw new Error(`${name}: unknown placeholder ${all}`);
    return values[key];
  });
  writeFileSync(join(out, name), html);
}
console.log(`examples for ${base} -> ${out}`);
