// DiceBear's PNG bytes for bench/formats.sh (not a test):
//   node bench/formats_dicebear.mjs STYLE COUNT SIZE FONT_FILE CONVERTER_DIR
// SVGs from the pinned DiceBear JS 11 (clients/dicebear: @dicebear/core and @dicebear/styles,
// the library /11.x/ reproduces byte for byte), made PNG by DiceBear's own converter
// (@dicebear/converter's toPng, installed into CONVERTER_DIR by bench/render.sh or
// bench/formats.sh; it rasterises any SVG, so its 9.x release serves DiceBear 11's SVGs),
// handed FONT_FILE so it does not search for fonts. Prints one JSON line: mean PNG bytes.
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import path from 'node:path';

const [style, countText, sizeText, font, converterDir] = process.argv.slice(2);
const count = Number(countText), size = Number(sizeText);
const here = path.dirname(new URL(import.meta.url).pathname);
const pinned = createRequire(pathToFileURL(path.resolve(here, '../clients/dicebear') + '/').href);
const { Avatar, Style } = await import(pathToFileURL(pinned.resolve('@dicebear/core')).href);
const converter = createRequire(pathToFileURL(path.resolve(converterDir) + '/').href);
const { toPng } = await import(pathToFileURL(converter.resolve('@dicebear/converter')).href);
const definition = new Style(pinned(`@dicebear/styles/${style}.json`));
const names = ['Tomás Oquendo', 'Mei Lin', 'Ada Okafor', 'Jamal Carter', 'Noa Levi'];
const seed = (i) => (style === 'initials' ? names[i % names.length] : `bench-${i}`);

let bytes = 0;
for (let i = 0; i < count; i++) {
  const svg = new Avatar(definition, { seed: seed(i), size }).toString();
  bytes += (await toPng(svg, { fonts: [font] }).toArrayBuffer()).byteLength;
}
console.log(JSON.stringify({ engine: 'dicebear-js', style, count, size, png_bytes: bytes / count }));
