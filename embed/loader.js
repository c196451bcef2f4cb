// The embed build's entry point: membership-checkout-<version>.js, one ES module a studio's page
// includes from our CDN. It is bundled with the wasm-bindgen glue, src/host/element.js and, in the
// split build, embed/chunks.js and the chunk table by embed/build.mjs, which also fills in the
// constants below.
//
// - Asset URLs come from this file's own address (import.meta.url), never from the host page.
// - The main wasm is fetched once per page however often this script is included: a module URL
//   runs once, and a copy under another URL finds `MembershipCheckout.loading` already set.
// - The main wasm and every chunk are checked against their SHA-384 (fetch's `integrity`), so the
//   page's SRI hash on this file covers everything the widget runs.
// - No inline script, eval or style element: a page's CSP needs only this origin in script-src
//   and connect-src, plus 'wasm-unsafe-eval'.
import init from 'membership-checkout-glue';
import { earlyChunks, wasmStarted } from 'membership-checkout-chunks';

/* global __WASM_FILE__, __WASM_INTEGRITY__ */
const api = globalThis.MembershipCheckout;

if (api && !api.loading) {
  Object.defineProperty(api, 'loading', { value: true });
  const wasm = new URL(__WASM_FILE__, import.meta.url);
  // A widget in a language whose texts are a chunk of their own needs it before its first paint:
  // start it now, beside the main module, rather than after it.
  earlyChunks(document.querySelectorAll('membership-checkout, [data-membership-checkout]'));
  const load = () =>
    init({ module_or_path: fetch(wasm, { integrity: __WASM_INTEGRITY__ }) })
      .then(wasmStarted, error => api.loadFailed(error, load));
  load();
}
