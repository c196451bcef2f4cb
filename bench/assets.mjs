// Where the widget's release files come from, and how a page loads them. This is the one place to
// change when the build changes.
//
//   embed: scripts/build-embed.sh's output (manifest.json {version, loader, wasm, files:[{name, ...}]}):
//          the page has snippet.html's wasm preload hint and one <script type="module" src=loader>;
//          the loader fetches the wasm (reusing the preloaded answer); the CSS is
//          inside the wasm (adopted into the shadow root), so the css size is 0.
//   trunk: `trunk build --release` output (index.html + membership-checkout-<hash>.js + _bg.wasm +
//          widget-<hash>.css): the page gets the tags trunk put in index.html's head (module script that
//          calls init, stylesheet, modulepreload / preload hints), exactly as the preview page has them.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const kindOf = (name) => (name.endsWith('.wasm') ? 'wasm' : /\.m?js$/.test(name) ? 'js' : name.endsWith('.css') ? 'css' : null);

export function detectSource(dir) {
  if (existsSync(join(dir, 'manifest.json'))) return 'embed';
  if (existsSync(join(dir, 'index.html'))) return 'trunk';
  throw new Error(`${dir}: neither manifest.json (scripts/build-embed.sh) nor index.html (trunk build) found`);
}

/**
 * Returns {source, dir, files: [{name, kind, path, bytes}], serve: Map(urlPath -> Buffer) of every
 * file the page may request, head: HTML for the page's <head>, css: the widget's stylesheet text if it
 * ships as a file (else null), notes}.
 */
export function widgetAssets(dir, source = detectSource(dir)) {
  if (source === 'embed') return embedAssets(dir);
  if (source === 'trunk') return trunkAssets(dir);
  throw new Error(`unknown asset source ${source}`);
}

function embedAssets(dir) {
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
  if (!manifest.loader) throw new Error(`${dir}/manifest.json has no "loader"`);
  const listed = manifest.files || [];
  const names = new Set([manifest.loader, manifest.wasm, ...listed.map((f) => f.name)].filter(Boolean));
  const files = [];
  const serve = new Map();
  for (const name of names) {
    const path = join(dir, name);
    if (!existsSync(path)) throw new Error(`${dir}/manifest.json lists ${name}, which is missing`);
    const body = readFileSync(path);
    serve.set(`/${name}`, body);
    const kind = kindOf(name);
    if (kind) files.push({ name, kind, path, bytes: body.length });
  }
  // Files next to the manifest that the loader might import but the manifest doesn't list.
  for (const name of readdirSync(dir)) {
    if (!serve.has(`/${name}`) && kindOf(name)) serve.set(`/${name}`, readFileSync(join(dir, name)));
  }
  const css = files.filter((f) => f.kind === 'css');
  // As the embed's snippet.html has it: the wasm preload hint, then the loader, each with its SRI
  // hash (crossorigin for the check; the hint's request must match the loader's fetch to be reused).
  const sriOf = (name) => {
    const integrity = listed.find((f) => f.name === name)?.integrity;
    return integrity ? ` integrity="${integrity}" crossorigin="anonymous"` : '';
  };
  const preload = manifest.wasm
    ? `<link rel="preload" href="/${manifest.wasm}" as="fetch" type="application/wasm"${sriOf(manifest.wasm) || ' crossorigin="anonymous"'}>\n`
    : '';
  return {
    source: 'embed',
    dir,
    version: manifest.version ?? null,
    manifest,
    files,
    serve,
    head: `${preload}<script type="module" src="/${manifest.loader}"${sriOf(manifest.loader)}></script>`,
    css: css.length ? css.map((f) => readFileSync(f.path, 'utf8')).join('\n') : null,
    notes: css.length ? [] : ['embed build: the stylesheet is compiled into the wasm (adopted into the shadow root), so css = 0 bytes'],
  };
}

function trunkAssets(dir) {
  const index = readFileSync(join(dir, 'index.html'), 'utf8');
  const head = index.split(/<\/head>/i)[0];
  const tags = [
    ...head.matchAll(/<script type="module">[\s\S]*?<\/script>/g),
    ...head.matchAll(/<link rel="(?:stylesheet|modulepreload|preload)"[^>]*>/g),
  ].map((m) => m[0]);
  if (!tags.some((t) => t.startsWith('<script'))) throw new Error(`${dir}/index.html: no module script from trunk found`);
  const files = [];
  const serve = new Map();
  for (const name of readdirSync(dir)) {
    const kind = kindOf(name);
    if (!kind) continue;
    const body = readFileSync(join(dir, name));
    serve.set(`/${name}`, body);
    files.push({ name, kind, path: join(dir, name), bytes: body.length });
  }
  const css = files.filter((f) => f.kind === 'css');
  return {
    source: 'trunk',
    dir,
    version: null,
    manifest: null,
    files,
    serve,
    head: tags.join('\n'),
    css: css.length ? css.map((f) => readFileSync(f.path, 'utf8')).join('\n') : null,
    notes: ['trunk build (scripts/build-embed.sh not found): the page loads trunk\'s glue module, the wasm and the stylesheet as trunk\'s index.html does'],
  };
}

/** The host page both the widget and the baseline are measured on: a small studio page. */
export function page({ title, head, host }) {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
${head}
<style>
  body { margin: 0; font-family: Georgia, serif; background: #f4f1ea; color: #222; }
  header { background: #1f3a34; color: #fff; padding: 1.5rem 1rem; text-align: center; }
  header h1 { margin: 0; font-weight: normal; }
  main { max-width: 46rem; margin: 2rem auto; padding: 0 1rem; }
</style>
</head>
<body>
<header><h1>Riverside Fitness Studio</h1><p>Yoga · HIIT · Spin · Personal training</p></header>
<main>
<h2>Become a member</h2>
<p>Pick a membership, book your first class if you like, and pay securely with TeamUp.</p>
${host}
</main>
</body>
</html>
`;
}

/** The host element's attributes, shared by the widget and the baseline. */
export function hostAttributes(apiBase) {
  return `data-api-base="${apiBase}/api/v2" data-provider-id="100" data-token="demo-customer-token" data-locale="en-GB"`;
}
