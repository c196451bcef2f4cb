// Benchmark probe: added to every measured page (widget and baseline alike) with Playwright's
// page.addInitScript, so it runs before any script of the page. It changes nothing the page sees
// except thin wrappers around fetch, WebAssembly.instantiate* and attachShadow; they add the same
// few microtasks to both pages. All times are performance.now() values: milliseconds since the
// navigation started.
//
// Paint mark ("next paint after X is in the DOM"): a check runs in every requestAnimationFrame
// callback; the first frame whose rAF sees the condition true is the frame that paints it (rAF runs
// just before that frame's style, layout and paint), and a MessageChannel message posted from that
// callback is delivered after the frame has been rendered. Element Timing would be the standard
// mark, but Chromium does not report elements inside shadow trees, where the widget renders.
(() => {
  if (window.__bench) return;
  const now = () => performance.now();
  const B = (window.__bench = {
    list: null, // {dom: rAF time the list was first seen, paint: after that frame, count}
    ready: null, // after the frame in which the page's root stopped saying data-state="loading" (the widget's checkout is here)
    quietAt: null, // after the frame following the last load-time API answer being read
    api: [], // {url, start, headers, done, status}
    inflight: 0,
    started: 0,
    lastDone: 0,
    wasm: [], // {start, end, memory}
    roots: new WeakMap(), // host element -> shadow root (also closed ones)
    waiter: null,
    errors: [],
  });

  // ---- where the widget (or the baseline) renders ----
  const attach = Element.prototype.attachShadow;
  Element.prototype.attachShadow = function (init) {
    const root = attach.call(this, init);
    B.roots.set(this, root);
    return root;
  };
  const HOST = '[data-membership-checkout], membership-checkout, [data-bench-baseline]';
  B.root = () => {
    const host = document.querySelector(HOST);
    return host ? host.shadowRoot || B.roots.get(host) || host : null;
  };
  B.$ = (sel) => B.root()?.querySelector(sel) ?? null;
  B.$$ = (sel) => Array.from(B.root()?.querySelectorAll(sel) ?? []);

  const afterPaint = (cb) => {
    const ch = new MessageChannel();
    ch.port1.onmessage = () => cb(now());
    ch.port2.postMessage(0);
  };

  // ---- the first membership list on screen ----
  const watchList = () => {
    if (B.list) return;
    const count = B.$$('[data-testid=memberships] input[type=radio][name=membership]').length;
    if (count > 0) {
      const mark = { dom: now(), paint: null, count };
      B.list = mark;
      afterPaint((t) => (mark.paint = t));
      return;
    }
    requestAnimationFrame(watchList);
  };
  requestAnimationFrame(watchList);

  // ---- ready: the widget's root no longer says it is loading (its first screen is painted by the
  // main module; its checkout comes in a chunk, and says data-state="browsing" once it is here).
  // A root without data-state (the baseline) is ready with its list. ----
  const watchReady = () => {
    if (B.ready != null) return;
    const root = B.$('[data-testid=checkout]');
    const state = root ? root.getAttribute('data-state') : null;
    if (B.list && (state === null || state !== 'loading')) {
      afterPaint((t) => (B.ready = t));
      return;
    }
    requestAnimationFrame(watchReady);
  };
  requestAnimationFrame(watchReady);

  // ---- load-time API requests: in flight until their body has been read ----
  const isApi = (url) => /\/api\/v2\//.test(url) || /\/uelz\//.test(url) || /\/v1\//.test(url);
  const settle = (rec) => {
    if (rec.done != null) return;
    rec.done = now();
    B.inflight--;
    B.lastDone = rec.done;
    if (B.inflight === 0) {
      const seq = B.started;
      requestAnimationFrame(() =>
        afterPaint((t) => {
          if (B.inflight === 0 && B.started === seq) B.quietAt = t;
        }),
      );
    }
  };
  const nativeFetch = window.fetch;
  window.fetch = function (input, init) {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input?.url ?? String(input);
    const p = nativeFetch.apply(this, arguments);
    if (!isApi(url)) return p;
    const rec = { url, start: now(), headers: null, done: null, status: null };
    B.api.push(rec);
    B.inflight++;
    B.started++;
    return p.then(
      (resp) => {
        rec.headers = now();
        rec.status = resp.status;
        for (const m of ['text', 'json', 'arrayBuffer', 'blob']) {
          const read = resp[m];
          resp[m] = function () {
            return read.call(this).then(
              (v) => (settle(rec), v),
              (e) => {
                settle(rec);
                throw e;
              },
            );
          };
        }
        return resp;
      },
      (e) => {
        settle(rec);
        throw e;
      },
    );
  };

  // ---- wasm: when it is compiled and instantiated, and its linear memory ----
  const remember = (rec) => (result) => {
    rec.end = now();
    const instance = result instanceof WebAssembly.Instance ? result : result?.instance;
    try {
      rec.memory = Object.values(instance?.exports ?? {}).find((x) => x instanceof WebAssembly.Memory) ?? null;
    } catch (e) {
      rec.memory = null;
    }
    return result;
  };
  for (const name of ['instantiate', 'instantiateStreaming']) {
    const original = WebAssembly[name];
    if (!original) continue;
    WebAssembly[name] = function () {
      const rec = { how: name, start: now(), end: null, memory: null };
      B.wasm.push(rec);
      return original.apply(this, arguments).then(remember(rec));
    };
  }
  B.wasmBytes = () => B.wasm.reduce((sum, w) => sum + (w.memory ? w.memory.buffer.byteLength : 0), 0);

  // ---- interactions: input timestamp -> the frame that shows the result ----
  // B.arm(check) before the input; the trusted input event (click or keydown) starts it; each frame
  // then runs check() until it is true. Result: {input, firstPaint, paint}.
  B.arm = (check) => {
    B.waiter = { check, input: null, firstPaint: null, dom: null, paint: null, done: false };
  };
  const onInput = (e) => {
    const w = B.waiter;
    if (!w || w.input != null || !e.isTrusted) return;
    w.input = e.timeStamp;
    let first = true;
    const frame = () => {
      if (first) {
        first = false;
        afterPaint((t) => (w.firstPaint = t));
      }
      let ok = false;
      try {
        ok = !!w.check(B);
      } catch (err) {
        B.errors.push(String(err));
      }
      if (ok) {
        w.dom = now();
        afterPaint((t) => {
          w.paint = t;
          w.done = true;
        });
      } else requestAnimationFrame(frame);
    };
    requestAnimationFrame(frame);
  };
  window.addEventListener('click', onInput, true);
  window.addEventListener('keydown', onInput, true);
})();
