// The benchmark's static file server: serves the measured pages and their files from memory, each
// precompressed (brotli or gzip, whichever the browser accepts best, as a CDN would), optionally
// `delayMs` late: the same fixed added latency the sandbox gives the API. Any origin may fetch.
// It runs in a worker thread, so the Playwright client in the main thread never delays an answer.
import http from 'node:http';
import zlib from 'node:zlib';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';

const TYPES = { html: 'text/html; charset=utf-8', js: 'text/javascript; charset=utf-8', mjs: 'text/javascript; charset=utf-8', css: 'text/css; charset=utf-8', wasm: 'application/wasm', json: 'application/json' };

// Compressed once per buffer (brotli -11 of the wasm takes a second or two).
const gzCache = new WeakMap();
const brCache = new WeakMap();
export function gzip(buf) {
  if (!gzCache.has(buf)) gzCache.set(buf, zlib.gzipSync(buf, { level: 9 }));
  return gzCache.get(buf);
}
export function brotli(buf) {
  if (!brCache.has(buf)) {
    brCache.set(buf, zlib.brotliCompressSync(buf, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: buf.length } }));
  }
  return brCache.get(buf);
}

/** files: Map of URL path ("/widget.html") -> Buffer. Resolves to {url, close}. */
export async function startStaticServer(files, { delayMs = 0 } = {}) {
  const entries = [...files].map(([path, body]) => [path, { body, gz: gzip(body), br: brotli(body) }]);
  const worker = new Worker(new URL(import.meta.url), { workerData: { files: entries, delayMs } });
  const url = await new Promise((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  return { url, close: () => worker.terminate() };
}

if (!isMainThread && workerData?.files) {
  const files = new Map(workerData.files.map(([path, e]) => [path, { body: Buffer.from(e.body), gz: Buffer.from(e.gz), br: Buffer.from(e.br) }]));
  serve(files, workerData).then((s) => parentPort.postMessage(s.url));
}

async function serve(files, { delayMs = 0 } = {}) {
  const entries = new Map();
  for (const [path, e] of files) {
    const ext = path.split('.').pop();
    entries.set(path, { ...e, type: TYPES[ext] || 'application/octet-stream' });
  }
  const delay = delayMs;
  const server = http.createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    const entry = entries.get(path);
    const send = () => {
      res.setHeader('Access-Control-Allow-Origin', '*');
      res.setHeader('Cache-Control', 'no-store');
      if (!entry) {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
        return;
      }
      const accept = String(req.headers['accept-encoding'] || '');
      let body = entry.body;
      if (/\bbr\b/.test(accept)) {
        body = entry.br;
        res.setHeader('Content-Encoding', 'br');
      } else if (/\bgzip\b/.test(accept)) {
        body = entry.gz;
        res.setHeader('Content-Encoding', 'gzip');
      }
      res.writeHead(200, { 'content-type': entry.type, 'content-length': body.length, vary: 'accept-encoding' });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    if (delay > 0) setTimeout(send, delay);
    else send();
  });
  server.keepAliveTimeout = 60000;
  await new Promise((resolve, reject) => server.listen(0, '127.0.0.1', resolve).on('error', reject));
  return { url: `http://127.0.0.1:${server.address().port}` };
}
