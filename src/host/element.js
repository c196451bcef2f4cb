// <membership-checkout> and window.MembershipCheckout (typings: embed/membership-checkout.d.ts).
//
// A custom element's class has to be JavaScript; everything it does is delegated to the wasm side
// (src/host.rs), which hands over its attach/detach functions through `connect` once the module
// has started. Until then the element and the API queue their work, so a page can use both
// before the wasm has arrived. The wasm-bindgen glue imports this file, so it runs in the trunk
// preview and in the embed build alike.

const TAG = 'membership-checkout';
// Settings attributes: a change remounts the widget. (`theme` only switches CSS, so it is not here.)
const SETTINGS = [
  'backend', 'api-base', 'api-proxy', 'provider-id', 'token', 'client-id', 'auth-prefix', 'request-mode', 'customer-id',
  'gateway-url', 'return-url', 'locale', 'timeout', 'payment-hosts', 'allow-external-return', 'customer-token',
];

let widget = null; // { attach(el, settings, merge), detach(el) -> bool } once the wasm has started
let waiting = []; // work queued until then
let failure = null; // { message, retry } while the widget's code couldn't load

// A second copy of this script (the embed included twice under different URLs) leaves the first
// in charge: one element definition, one API, one wasm. Only an own property of the global counts:
// an element with id="MembershipCheckout" (named access on window) is not our API and can't stop it.
const first = !Object.prototype.hasOwnProperty.call(globalThis, 'MembershipCheckout');
let markReady;
const api = first ? {
  version: undefined,
  ready: new Promise(resolve => { markReady = resolve; }),
  mount(target, settings) { return call(target, el => widget.attach(el, settings || {}, false)); },
  update(target, settings) { return call(target, el => widget.attach(el, settings || {}, true)); },
  unmount(target) { return call(target, el => widget.detach(el)); },
} : globalThis.MembershipCheckout;

function element(target) {
  const el = typeof target === 'string' ? document.querySelector(target) : target;
  if (!(el instanceof HTMLElement)) {
    throw new TypeError(`MembershipCheckout: ${typeof target === 'string' ? `nothing matches ${target}` : 'not an element'}`);
  }
  return el;
}

function call(target, work) {
  let el;
  try { el = element(target); } catch (error) { return Promise.reject(error); }
  return api.ready.then(() => { const result = work(el); return result === undefined ? el : result; });
}

function whenReady(work) {
  if (widget) work(); else waiting.push(work);
}

if (first) {
  Object.defineProperty(globalThis, 'MembershipCheckout', { value: api, enumerable: false });

  // The embed loader reports a failed download or start here (src: embed/loader.js): each waiting
  // host shows why, with a button to try again, and hears an error event.
  Object.defineProperty(api, 'loadFailed', {
    enumerable: false,
    value(error, retry) {
      failure = { message: 'The membership checkout could not load. Please check your connection and try again.', retry };
      const hosts = [...document.querySelectorAll(`${TAG}, [data-membership-checkout]:not([data-membership-checkout-mounted])`)];
      for (const host of hosts) showFailure(host);
      const detail = { stage: 'load', message: failure.message, status: null, cause: String(error && error.message || error) };
      const targets = hosts.length ? hosts : [document];
      for (const target of targets) {
        target.dispatchEvent(new CustomEvent('membership-checkout:error', { detail, bubbles: true, composed: true }));
      }
    },
  });

  class MembershipCheckoutElement extends HTMLElement {
    static get observedAttributes() { return SETTINGS.flatMap(name => [name, `data-${name}`]); }

    connectedCallback() { this.#schedule(); }

    disconnectedCallback() {
      // Moved within the page: the microtask in #schedule remounts it (and asks afresh).
      dropEarly(this);
      if (widget) widget.detach(this);
    }

    attributeChangedCallback(name, before, after) {
      // The widget takes the token off the element itself; that is not a change of settings.
      if (before === after || (after === null && name.endsWith('token'))) return;
      if (this.isConnected) this.#schedule();
    }

    /** Changes settings (merged with those given before) and restarts the widget. */
    update(settings) { return api.update(this, settings); }

    #queued = false;

    // Attributes set one after another in a script remount once, after the last.
    #schedule() {
      if (this.#queued) return;
      this.#queued = true;
      queueMicrotask(() => {
        this.#queued = false;
        if (!this.isConnected) return;
        // (In a microtask: this module has finished defining what these use.)
        if (failure && !widget) showFailure(this);
        else if (!widget) showSkeleton(this);
        whenReady(() => { if (this.isConnected) widget.attach(this, undefined, true); });
      });
    }
  }

  if (!customElements.get(TAG)) customElements.define(TAG, MembershipCheckoutElement);
}

// The failure notice's words in the customer's language: the catalogues are in the wasm that
// failed to arrive. The same texts as locales/*.txt (load.failed_title, load.failed_body,
// try_again, loading.memberships); a test in src/host.rs keeps them equal.
const FAILURE_TEXT = {
  en: ["The membership checkout could not load.", "Please check your connection and try again.", "Try again", "Loading memberships…"],
  de: ["Der Mitgliedschafts-Checkout konnte nicht geladen werden.", "Bitte prüfen Sie Ihre Verbindung und versuchen Sie es erneut.", "Erneut versuchen", "Mitgliedschaften werden geladen…"],
  es: ["No se pudo cargar el pago de la membresía.", "Comprueba tu conexión e inténtalo de nuevo.", "Reintentar", "Cargando membresías…"],
  fr: ["Le module d’abonnement n’a pas pu se charger.", "Vérifiez votre connexion et réessayez.", "Réessayer", "Chargement des abonnements…"],
  ar: ["تعذّر تحميل صفحة شراء الاشتراك.", "يُرجى التحقق من اتصالك والمحاولة مرة أخرى.", "إعادة المحاولة", "جارٍ تحميل الاشتراكات…"],
};

/** The host's `locale` setting, else the browser's languages, else English (as the widget does). */
function failureWords(host) {
  const tags = [host.getAttribute('locale'), host.getAttribute('data-locale'), ...(navigator.languages || [])];
  for (const tag of tags) {
    const lang = tag && tag.trim().split(/[-_]/)[0].toLowerCase();
    if (lang && FAILURE_TEXT[lang]) return { tag: tag.trim(), lang, words: FAILURE_TEXT[lang] };
  }
  return { tag: 'en', lang: 'en', words: FAILURE_TEXT.en };
}

// The failure notice's look: the widget's error notice in miniature (its stylesheet is in the wasm
// that failed to arrive). Constructed, not a <style> element, so a strict CSP allows it.
const FAILURE_CSS = `
:host { display: block; color-scheme: light dark; }
:host([theme="dark"]), :host([data-theme="dark"]) { color-scheme: dark; }
:host([theme="light"]), :host([data-theme="light"]) { color-scheme: light; }
.notice { all: initial; display: block; box-sizing: border-box; max-width: 40em; padding: 1em;
  font: 16px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
  color: light-dark(#1d2327, #e8ecef); background: light-dark(#fdecea, #3a1d1b);
  border: 1px solid light-dark(#d5dae0, #3b4550); border-inline-start: 4px solid light-dark(#b3261e, #ff9a90); border-radius: 10px; }
.title { display: block; font-weight: 650; margin-bottom: 0.5em; }
button { font: inherit; font-weight: 600; margin-top: 0.75em; padding: 0.6em 1em; cursor: pointer; border-radius: 10px;
  color: light-dark(#ffffff, #0b1f1a); background: light-dark(#2f6f5e, #7fd6bd); border: 1px solid transparent; }
button:focus-visible { outline: 3px solid light-dark(#2f6f5e, #7fd6bd); outline-offset: 2px; }`;

// The skeleton: until the widget's code has arrived, each host shows the widget's loading look at
// the height its first screen will take (`--mc-loading-height`, the same default as
// style/widget.css, which keeps it until the list paints), so the page below doesn't jump when the
// widget arrives. In the host's shadow root, which the widget then takes over.
const SKELETON_CSS = `
:host { display: block; color-scheme: light dark; }
:host([theme="dark"]), :host([data-theme="dark"]) { color-scheme: dark; }
:host([theme="light"]), :host([data-theme="light"]) { color-scheme: light; }
.mc { all: initial; display: grid; align-content: start; gap: 0.5em; box-sizing: border-box;
  font-size: var(--mc-font-size, 16px); max-width: var(--mc-max-width, 40em); min-height: var(--mc-loading-height, 30em);
  padding: var(--mc-space, 1em); background: var(--mc-surface, light-dark(#ffffff, #171c20));
  border: 1px solid var(--mc-border, light-dark(#d5dae0, #3b4550)); border-radius: var(--mc-radius, 10px); }
.bar { height: 3.75em; border-radius: var(--mc-radius, 10px); background: var(--mc-skeleton, light-dark(#eef0f3, #252d33)); }
.hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%); white-space: nowrap; }`;

function showSkeleton(host) {
  if (host.shadowRoot) return;
  let root;
  try { root = host.attachShadow({ mode: 'open' }); } catch { return; }
  try {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(SKELETON_CSS);
    root.adoptedStyleSheets = [sheet];
  } catch { return; }
  const { tag, words } = failureWords(host);
  const box = document.createElement('div');
  box.className = 'mc';
  box.setAttribute('role', 'status');
  box.setAttribute('data-testid', 'skeleton');
  box.lang = tag;
  const label = document.createElement('span');
  label.className = 'hidden';
  label.textContent = words[3];
  box.append(label);
  for (let i = 0; i < 3; i++) {
    const bar = document.createElement('div');
    bar.className = 'bar';
    bar.setAttribute('aria-hidden', 'true');
    box.append(bar);
  }
  root.replaceChildren(box);
}

// A failure notice in the host's shadow root (the widget replaces it once it starts).
function showFailure(host) {
  if (!failure) return;
  let root = host.shadowRoot;
  if (!root) {
    try { root = host.attachShadow({ mode: 'open' }); } catch { return; }
  }
  try {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(FAILURE_CSS);
    root.adoptedStyleSheets = [sheet];
  } catch { /* unstyled, still readable */ }
  const { tag, lang, words: [titleText, bodyText, again, loading] } = failureWords(host);
  const notice = document.createElement('div');
  notice.className = 'notice';
  notice.setAttribute('role', 'alert');
  notice.setAttribute('data-testid', 'load-failed');
  notice.lang = tag;
  notice.dir = lang === 'ar' ? 'rtl' : 'ltr';
  const title = document.createElement('span');
  title.className = 'title';
  title.textContent = titleText;
  const text = document.createElement('span');
  text.textContent = bodyText;
  const button = document.createElement('button');
  button.type = 'button';
  button.textContent = again;
  button.addEventListener('click', () => {
    const { retry } = failure;
    failure = null;
    notice.replaceChildren(loading);
    retry();
  });
  notice.append(title, text, document.createElement('br'), button);
  root.replaceChildren(notice);
}

// Early answers. While the wasm downloads, ask for what the first screen needs (the customer's
// profile, the catalogue's first page, the studio's time zone) with exactly the requests the
// widget will make (src/backend/teamup.rs). The widget's HTTP layer (src/backend/http.rs) takes
// an answer only for the very same request (requestKey: method, URL and every header, so the
// same token, provider and request mode), once. Only for TeamUp settings written on the page with
// a token (not the JS API, not sign-in), and only to an API address the widget itself accepts
// (apiBaseFor: https, or http on this machine). An answer not taken within EARLY_KEEP_MS, or whose
// element leaves the page first, is dropped and its request aborted. The answers live in this
// module, not in a global a neighbour script or a named element could reach or replace.
const EARLY_KEEP_MS = 30000;
let keepMs = EARLY_KEEP_MS;
/** Test hook (src/host.rs `set_early_keep_ms`): how long an untaken answer is kept. */
export function earlyKeepMs(ms) { keepMs = ms; }
const early = new Map(); // requestKey -> { host, controller, answer, timer }
const LOOPBACK = ['127.0.0.1', 'localhost', '[::1]'];
// src/settings.rs + src/url.rs `parse`, for the address part: http(s) in lower case (as settings
// take it), a plain host (of IPv6 literals only [::1]), an optional port.
const STRICT = /^(https?):\/\/(\[::1\]|[A-Za-z0-9][A-Za-z0-9.-]*)(?::([0-9]{1,5}))?(?=[/?#]|$)/;

/** src/url.rs `numeric_but_not_dotted_quad`: a host the browser would read as another IPv4 spelling. */
function oddIPv4(host) {
  const last = (host.endsWith('.') ? host.slice(0, -1) : host).split('.').pop();
  if (!/^(?:[0-9]+|0x[0-9a-f]*)$/i.test(last)) return false;
  const parts = host.split('.');
  return !(parts.length === 4 && parts.every(p => /^(?:0|[1-9][0-9]{0,2})$/.test(p) && Number(p) <= 255));
}

/** `{origin, secure}` of an address src/url.rs reads strictly, else null. */
function strictOrigin(url) {
  if (url.length > 4000 || /[\s\\\u0000-\u001f\u007f-\u009f]/.test(url)) return null;
  const m = STRICT.exec(url);
  if (!m) return null;
  const scheme = m[1];
  const host = m[2].toLowerCase();
  if ((!host.startsWith('[') && host.length > 253) || oddIPv4(host)) return null;
  const port = m[3] === undefined ? null : Number(m[3]);
  if (port !== null && port > 65535) return null;
  const standard = scheme === 'https' ? 443 : 80;
  const origin = port === null || port === standard ? `${scheme}://${host}` : `${scheme}://${host}:${port}`;
  return { origin, secure: scheme === 'https' || LOOPBACK.includes(host) };
}

/**
 * The API base as src/settings.rs makes it from an `api-base` value (absolute, or a path on this
 * page's origin; https, or http on this machine; no trailing slash), or null where the widget
 * would refuse it.
 */
export function apiBaseFor(value, page = location.href) {
  const v = (value || '').trim();
  let url = null;
  if (strictOrigin(v)) url = v;
  else if (v.startsWith('/') && !v.startsWith('//') && !/\s/.test(v)) {
    const here = /^(https?:\/\/[^/?#]*)/i.exec(page);
    if (here) url = here[1] + v;
  }
  const checked = url && strictOrigin(url);
  return checked && checked.secure ? url.replace(/\/+$/, '') : null;
}

/** A request as src/backend/http.rs `request_key` writes it. */
function requestKey(method, url, headers) {
  const lines = Object.entries(headers).map(([name, value]) => `${name.toLowerCase()}: ${value}`).sort();
  return `${method} ${url}\n${lines.join('\n')}`;
}

function dropEntry(key, entry) {
  if (early.get(key) !== entry) return;
  early.delete(key);
  clearTimeout(entry.timer);
  entry.controller.abort();
  if (!early.size && watcher) { watcher.disconnect(); watcher = null; }
}

/** The answer asked for `key`, if it is waiting (a Promise of {status, body, date, retryAfter}); taken once. */
export function takeEarly(key) {
  const entry = early.get(key);
  if (!entry) return undefined;
  early.delete(key);
  clearTimeout(entry.timer);
  return entry.answer;
}

/** Drops (and aborts) the answers asked for `host` that nobody took. */
export function dropEarly(host) {
  for (const [key, entry] of [...early]) if (entry.host === host) dropEntry(key, entry);
}

// Data-attribute hosts have no disconnectedCallback: while answers wait, watch for their hosts
// leaving the page.
let watcher = null;
function watchRemovals() {
  if (watcher || typeof MutationObserver === 'undefined' || !document.documentElement) return;
  watcher = new MutationObserver(() => {
    for (const [key, entry] of [...early]) if (!entry.host.isConnected) dropEntry(key, entry);
  });
  watcher.observe(document.documentElement, { childList: true, subtree: true });
}

export function askEarly(host) {
  const setting = name => {
    const v = (host.getAttribute(name) ?? host.getAttribute(`data-${name}`) ?? '').trim();
    return v || null;
  };
  const token = setting('token');
  const provider = setting('provider-id');
  if ((setting('backend') || 'teamup').toLowerCase() !== 'teamup' || !token || /[\s\u0000-\u001f\u007f]/.test(token)) return;
  if (!/^[1-9][0-9]{0,15}$/.test(provider || '')) return;
  // The widget asks its pass-through when the studio set one (src/backend/teamup.rs), checked
  // like the API's own address.
  const root = apiBaseFor(setting('api-proxy') || setting('api-base'));
  if (!root) return;
  const wanted = (setting('auth-prefix') || 'Bearer').toLowerCase();
  const prefix = ['Bearer', 'Token', 'JWT'].find(p => p.toLowerCase() === wanted);
  const mode = (setting('request-mode') || 'customer').toLowerCase();
  if (!prefix || (mode !== 'customer' && mode !== 'provider')) return;
  const seconds = Number(setting('timeout') || 15);
  const headers = { Accept: 'application/json', Authorization: `${prefix} ${token}`, 'Teamup-Request-Mode': mode, 'TeamUp-Provider-ID': provider };
  const urls = [`${root}/memberships?for_sale=true&visible_to_customers=true&page_size=100`, `${root}/providers/${provider}?expand=address`];
  if (!setting('customer-id')) urls.push(`${root}/auth/profiles?page_size=100`);
  for (const url of urls) {
    const key = requestKey('GET', url, headers);
    if (early.has(key)) continue;
    const controller = new AbortController();
    const limit = setTimeout(() => controller.abort(), (seconds >= 1 && seconds <= 120 ? seconds : 15) * 1000);
    const answer = fetch(url, { mode: 'cors', headers, signal: controller.signal })
      .then(async r => ({ status: r.status, body: await r.text(), date: r.headers.get('date'), retryAfter: r.headers.get('retry-after') }))
      .finally(() => clearTimeout(limit));
    answer.catch(() => {}); // an answer nobody takes is not the page's error
    const entry = { host, controller, answer };
    entry.timer = setTimeout(() => dropEntry(key, entry), keepMs);
    early.set(key, entry);
  }
  if (early.size) watchRemovals();
}

// The first Intl formatter a page builds loads the engine's locale data: ~15 ms of main thread
// (~60 ms on a 4x slower phone), on the widget's first render otherwise. While the wasm
// downloads the main thread is idle, so build one of each kind the first screen uses now.
function warmIntl(host) {
  const tag = (host.getAttribute('locale') || host.getAttribute('data-locale') || navigator.language || 'en').trim();
  try {
    new Intl.NumberFormat(tag, { style: 'currency', currency: 'EUR' }).format(1);
    new Intl.DateTimeFormat(tag, { weekday: 'long', hour: 'numeric' }).format(0);
  } catch { /* a bad tag: the widget reports it */ }
}

if (first && typeof document !== 'undefined') {
  const hosts = document.querySelectorAll(`${TAG}, [data-membership-checkout]`);
  for (const host of hosts) askEarly(host);
  for (const host of hosts) if (!widget) showSkeleton(host);
  // After the early requests are on their way; once per page (one host's locale warms the engine).
  if (hosts.length) setTimeout(() => warmIntl(hosts[0]), 0);
}

/** Called by the wasm module when it has started (src/host.rs `install`). */
export function connect(attach, detach, version) {
  if (!first || widget) return;
  widget = { attach, detach };
  failure = null;
  api.version = version;
  const work = waiting;
  waiting = [];
  for (const item of work) item();
  markReady();
}
