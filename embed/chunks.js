// Chunk downloads of the split embed build: embed/build.mjs bundles this into the loader, and
// rewrites wasm-split's `fetch(new URL("./<chunk>.wasm", import.meta.url))` into `chunk("<chunk>")`.
//
// - Each chunk comes from next to the loader (import.meta.url is the loader's own address after
//   bundling) under its hashed, immutable name, checked against its SHA-384 (`integrity`). The table
//   of names and hashes is inside the loader, which the page's SRI hash covers, so a page that
//   loaded version N asks for version N's chunks, and only for their exact bytes.
// - Once per page: wasm-split's runtime keeps a chunk that has loaded, shared by every widget, and
//   forgets one that failed (the next use downloads again: Try again in the widget).
// - A download that fails (offline, an HTTP error, a wrong hash) or takes longer than the widgets'
//   time limit (their `timeout` attribute, the longest of them; default 15 s) rejects, and the
//   widget that needed it shows its failure with Try again.
// - Removing the element aborts the downloads in flight, but only once the last widget has left
//   the page: a download is shared, so aborting it for one widget would break the others.
import { CHUNKS, LANGUAGE_CHUNKS, LANGUAGES } from 'membership-checkout-chunk-table';

const MOUNTED = 'data-membership-checkout-mounted';
const HOSTS = 'membership-checkout, [data-membership-checkout]';
const DEFAULT_LIMIT_S = 15;

const downloads = new Set(); // { controller, timer } of every download in flight
const seen = new Set(); // the host elements on the page while downloads were in flight
const early = new Map(); // chunk -> answer of a download started before the wasm ran, used once
let started = false; // the wasm runs: a host with a widget has the MOUNTED attribute
let watcher = null;
let check = null;

/** Called by the loader once the wasm module runs (and has mounted the widgets on the page). */
export function wasmStarted() {
  started = true;
}

/** The chunk's file, as a Response (fetch's answer, its body checked against its hash). */
export function chunk(name) {
  const waiting = early.get(name);
  if (waiting) {
    early.delete(name);
    return waiting;
  }
  return download(name);
}

/** Starts the downloads the first screen of these hosts needs (their language's chunks) now, beside the main module. */
export function earlyChunks(hosts) {
  const names = new Set();
  for (const host of hosts) for (const name of LANGUAGE_CHUNKS[language(host)] || []) names.add(name);
  for (const name of names) {
    if (early.has(name) || !CHUNKS[name]) continue;
    const answer = download(name);
    answer.catch(() => {}); // the real use reports it
    early.set(name, answer);
  }
}

/** The widget's language (src/i18n.rs `Tr::negotiate`): the locale setting, else the browser's languages, else English. */
function language(host) {
  const tags = [host.getAttribute('locale') || host.getAttribute('data-locale'), ...(navigator.languages || [])];
  for (const tag of tags) {
    const lang = tag && tag.trim().split(/[-_]/)[0].toLowerCase();
    if (lang && LANGUAGES.includes(lang)) return lang;
  }
  return 'en';
}

function hostsNow() {
  return [...document.querySelectorAll(started ? `[${MOUNTED}]` : HOSTS)];
}

/** The longest `timeout` (seconds, 1-120) of the widgets on the page, else 15. */
function limitSeconds(hosts) {
  const limits = hosts
    .map(host => Number(host.getAttribute('timeout') ?? host.getAttribute('data-timeout')))
    .filter(s => Number.isFinite(s) && s >= 1 && s <= 120);
  return limits.length ? Math.max(...limits) : DEFAULT_LIMIT_S;
}

function download(name) {
  const [file, integrity] = CHUNKS[name];
  const hosts = hostsNow();
  for (const host of hosts) seen.add(host);
  const seconds = limitSeconds(hosts);
  const controller = new AbortController();
  const entry = { controller, timer: 0 };
  entry.timer = setTimeout(() => controller.abort(new Error(`${file} took longer than ${seconds} s`)), seconds * 1000);
  downloads.add(entry);
  watch();
  // With `integrity`, fetch answers once the whole body has arrived and matched the hash: the
  // download is over when this settles.
  return fetch(new URL(file, import.meta.url), { integrity, signal: controller.signal })
    .then(answer => {
      if (!answer.ok) throw new Error(`${file}: HTTP ${answer.status}`);
      return answer;
    })
    .finally(() => {
      clearTimeout(entry.timer);
      downloads.delete(entry);
      if (!downloads.size) unwatch();
    });
}

/** Whether a widget (or, before the wasm runs, a host waiting for one) is still on the page. */
function anyWidgetLeft() {
  if (document.querySelector(started ? `[${MOUNTED}]` : HOSTS)) return true;
  for (const host of seen) if (host.isConnected && (!started || host.hasAttribute(MOUNTED))) return true;
  return false;
}

// While downloads are in flight, watch for hosts leaving the page (removed, or unmounted through
// the JS API). Checked a task later: a host moved within the page is back, and remounted, by then.
function watch() {
  if (watcher || typeof MutationObserver === 'undefined' || !document.documentElement) return;
  watcher = new MutationObserver(() => {
    if (check === null) check = setTimeout(abortIfNoWidgetLeft, 0);
  });
  watcher.observe(document.documentElement, { childList: true, subtree: true, attributes: true, attributeFilter: [MOUNTED] });
}

function unwatch() {
  if (watcher) watcher.disconnect();
  watcher = null;
  seen.clear();
}

function abortIfNoWidgetLeft() {
  check = null;
  if (!seen.size || anyWidgetLeft()) return;
  for (const { controller } of [...downloads]) controller.abort(new DOMException('the last widget left the page', 'AbortError'));
}
