// DiceBear JS's own rate for bench/compat.sh: COUNT SVGs of STYLE, each with a new seed, drawn
// in process by the pinned @dicebear/core 11 and @dicebear/styles (clients/dicebear), the
// library the /11.x/ route reproduces byte for byte. Prints one JSON line: {svg_per_s}.
//
//   node bench/compat_js.mjs STYLE COUNT
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import path from 'node:path';

const [style, countText] = process.argv.slice(2);
const count = Number(countText);
const modules = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../clients/dicebear/');
const require = createRequire(pathToFileURL(modules + '/').href);
const { Avatar, Style } = await import(pathToFileURL(require.resolve('@dicebear/core')).href);
const definition = new Style(require(`@dicebear/styles/${style}.json`));

// A short warm-up, as the server has been running for a while when it is measured.
for (let i = 0; i < 200; i++) new Avatar(definition, { seed: `warm-${i}` }).toString();
let bytes = 0;
const start = process.hrtime.bigint();
for (let i = 0; i < count; i++) {
  bytes += new Avatar(definition, { seed: `seed-${i}` }).toString().length;
}
const seconds = Number(process.hrtime.bigint() - start) / 1e9;
console.log(JSON.stringify({ style, count, svg_per_s: count / seconds, mean_bytes: bytes / count }));
