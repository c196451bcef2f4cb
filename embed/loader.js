// The embed build's entry point: membership-checkout-<version>.js, one ES module a studio's page
// includes from our CDN. It is bundled with the wasm-bindgen glue and src/host/element.js by
// embed/build.mjs, which also fills in the constants below.
//
// - Asset URLs come from this file's own address (import.meta.url), never from the host page.
// - The wasm is fetched once per page however often this script is included: a module URL runs
//   once, and a copy under another URL finds `MembershipCheckout.loading` already set.
// - The wasm is checked against its SHA-384 (fetch's `integrity`), so the page's SRI hash on
//   this file covers everything the widget runs.
// - No inline script, eval or style element: a page's CSP needs only this origin in script-src
//   and connect-src, plus 'wasm-unsafe-eval'.
import init from 'membership-checkout-glue';

/* global __WASM_FILE__, __WASM_INTEGRITY__ */
const api = globalThis.MembershipCheckout;

if (api && !api.loading) {
  Object.defineProperty(api, 'loading', { value: true });
  const wasm = new URL(__WASM_FILE__, import.meta.url);
  const load = () =>
    init({ module_or_path: fetch(wasm, { integrity: __WASM_INTEGRITY__ }) })
      .catch(error => api.loadFailed(error, load));
  load();
}
