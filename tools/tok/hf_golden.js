#!/usr/bin/env node
// hf_golden.js — what Hugging Face's Rust tokenizers (the npm package
// `tokenizers`) make of sentences and pairs with one tokenizer.json: ids,
// pieces, byte offsets, type ids, as heed's golden fixtures hold them.
//
// As a module: cases(tokenizerJsonText, lines, pairs) -> the cases.
// As a command, for fixtures made by Python tools (make_spm_fixtures.py):
//   node hf_golden.js TOKENIZER.json OUT.golden.json < {"sentences": [...], "pairs": [[a, b]...]}
'use strict';

const fs = require('fs');
const path = require('path');
const tk = require('tokenizers');

const VERSION = require('tokenizers/package.json').version;

// Node gives offsets in code points; heed's are bytes.
function toBytes(s, off) {
  const cps = Array.from(s);
  const at = [0];
  for (const c of cps) at.push(at[at.length - 1] + Buffer.byteLength(c, 'utf8'));
  return off.map(([b, e]) => [at[b], at[e]]);
}

async function cases(text, lines, pairs) {
  const t = tk.Tokenizer.fromString(text);
  const out = [];
  const todo = lines.map((a) => [a, null]).concat(pairs);
  for (const [a, b] of todo) {
    const enc = await t.encode(a, b, { addSpecialTokens: true });
    const seq = enc.getSequenceIds();
    const offs = enc.getOffsets();
    const offsets = offs.map((o, i) => {
      if (seq[i] === null || seq[i] === undefined) return [-1, -1];
      return toBytes(seq[i] === 1 ? b : a, [o])[0];
    });
    const c = { a, ids: enc.getIds(), tokens: enc.getTokens(), offsets };
    if (b !== null) { c.b = b; c.types = enc.getTypeIds(); }
    out.push(c);
  }
  return out;
}

async function main() {
  const [tokfile, outfile] = process.argv.slice(2);
  const data = JSON.parse(fs.readFileSync(0, 'utf8'));
  const doc = { tokenizer: path.basename(tokfile), generator: 'tools/tok/hf_golden.js',
    tokenizers: VERSION,
    cases: await cases(fs.readFileSync(tokfile, 'utf8'), data.sentences, data.pairs || []) };
  fs.writeFileSync(outfile, JSON.stringify(doc, null, 0) + '\n');
  console.log(`${path.basename(outfile)}: ${doc.cases.length} cases`);
}

module.exports = { cases, VERSION };

if (require.main === module) main().catch((e) => { console.error(e); process.exit(1); });
