// Renders DiceBear avatars with DiceBear's own JS library, pinned in package-lock.json to the
// versions of the Rust crates likeness ships, for tests/it/dicebear_api.rs, which compares them
// byte for byte with likeness's /11.x/ SVGs.
//
// Reads one JSON object a line on stdin, {"style": "notionists", "options": {...}}, and writes
// one JSON line per input on stdout: {"svg": "..."} or {"error": "..."} (a refused option is an
// answer, not a crash, so one bad case does not hide the others).

import { createRequire } from 'node:module';
import { createInterface } from 'node:readline';

import { Avatar, Style } from '@dicebear/core';

const require = createRequire(import.meta.url);
const styles = new Map();

/** The style as a JS user loads it: the package's own export of its definition. */
function style(name) {
  if (!/^[a-z0-9-]+$/.test(name)) {
    throw new Error(`not a style name: ${JSON.stringify(name)}`);
  }
  if (!styles.has(name)) {
    styles.set(name, new Style(require(`@dicebear/styles/${name}.json`)));
  }
  return styles.get(name);
}

const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
for await (const line of lines) {
  if (line.trim() === '') continue;
  let answer;
  try {
    const { style: name, options } = JSON.parse(line);
    answer = { svg: new Avatar(style(name), options).toString() };
  } catch (e) {
    answer = { error: String(e?.message ?? e) };
  }
  process.stdout.write(JSON.stringify(answer) + '\n');
}
