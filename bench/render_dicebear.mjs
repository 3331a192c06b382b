// DiceBear JS on one thread, for bench/render.sh (not a test):
//   node bench/render_dicebear.mjs STYLE COUNT SIZE FONT_FILE
// Prints one JSON line: SVG/s and PNG/s (@dicebear/converter, handed FONT_FILE so it does not
// search for fonts), mean bytes, and peak RSS. The same seeds as render_bench.rs.
import { createAvatar } from '@dicebear/core';
import * as collection from '@dicebear/collection';
import { toPng } from '@dicebear/converter';

const [style, countArg, sizeArg, font] = process.argv.slice(2);
const count = Number(countArg ?? 2000), size = Number(sizeArg ?? 256);
const camel = style.replace(/-([a-z])/g, (_, c) => c.toUpperCase());
const def = collection[camel];
if (!def) throw new Error(`no DiceBear style ${style}`);
const names = ['Tomás Oquendo', 'Mei Lin', 'Ada Okafor', 'Jamal Carter', 'Noa Levi'];
const seed = (i) => (style === 'initials' ? names[i % names.length] : `bench-${i}`);

let t = performance.now(), svgBytes = 0;
const svgs = [];
for (let i = 0; i < count; i++) {
  const svg = createAvatar(def, { seed: seed(i), size }).toString();
  svgBytes += svg.length;
  svgs.push(svg);
}
const svgS = (performance.now() - t) / 1000;
t = performance.now();
let pngBytes = 0;
for (let i = 0; i < count; i++) {
  const svg = createAvatar(def, { seed: seed(i), size }).toString();
  const png = await toPng(svg, { fonts: font ? [font] : undefined }).toArrayBuffer();
  pngBytes += png.byteLength;
}
const pngS = (performance.now() - t) / 1000;
console.log(JSON.stringify({
  engine: 'dicebear-js', style, count, width: size, height: size,
  svg_per_s: count / svgS, svg_bytes: svgBytes / count,
  png_per_s: count / pngS, png_bytes: pngBytes / count,
  peak_rss_kb: process.resourceUsage().maxRSS,
}));
