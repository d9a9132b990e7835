#!/usr/bin/env node
// word_ids.js — which word each token belongs to, as Hugging Face's own
// Rust tokenizers (the npm package `tokenizers`, installed in tools/tok)
// says: Encoding.getWordIds(), the word_ids() of transformers' fast
// tokenizers.  heed's `dump --words` merges pieces by the same ids.
//
//   cd tools/tok && npm install && node ../reference/word_ids.js
//
// For each model below it tokenizes tests/fixtures/words/sentences.txt
// (with the tokenizer's own mask token for [MASK]) and writes
// tests/fixtures/words/NAME.tokens.json: per sentence the text, ids,
// pieces, byte offsets ([-1, -1] for added specials), the uncut length and
// word_ids (null for added specials).  tools/reference/words.py then runs
// the reference forward on these ids and writes the expected word-level
// attention next to them.
'use strict';

const fs = require('fs');
const path = require('path');
const top = path.resolve(__dirname, '..', '..');
const tk = require(require.resolve('tokenizers', { paths: [path.join(top, 'tools', 'tok')] }));
const { toBytes } = require('./family_tokenizers');

const fixtures = path.join(top, 'tests', 'fixtures');
const out = path.join(fixtures, 'words');
const MAX_TOKENS = 128;

// name, the model folder (relative to the source root), its tokenizer.json
// (heed-mini reads vocab.txt; tests/fixtures/tok/bert-uncased.json is the
// same vocabulary as Hugging Face's BertTokenizerFast builds it), the mask
const MODELS = [
  ['heed-mini', 'assets/models/heed-mini', 'tests/fixtures/tok/bert-uncased.json', '[MASK]'],
  ['roberta-f32', 'tests/fixtures/enc/roberta-f32', 'tests/fixtures/enc/roberta-f32/tokenizer.json', '<mask>'],
  ['xlmr-bf16', 'tests/fixtures/enc/xlmr-bf16', 'tests/fixtures/enc/xlmr-bf16/tokenizer.json', '<mask>'],
  ['albert-f32', 'tests/fixtures/enc/albert-f32', 'tests/fixtures/enc/albert-f32/tokenizer.json', '[MASK]'],
];


async function main() {
  const lines = fs.readFileSync(path.join(out, 'sentences.txt'), 'utf8').split('\n')
    .filter((l) => l.trim() !== '');
  const version = require(require.resolve('tokenizers/package.json',
    { paths: [path.join(top, 'tools', 'tok')] })).version;
  for (const [name, model, tokfile, mask] of MODELS) {
    const text = fs.readFileSync(path.join(top, tokfile), 'utf8');
    const full = tk.Tokenizer.fromString(text);
    const cut = tk.Tokenizer.fromString(text);
    cut.setTruncation(MAX_TOKENS);
    const sentences = [];
    for (const l of lines) {
      // a line with " ||| " is a sentence pair, as heed reads it
      const s = l.replace(/\[MASK\]/g, mask);
      const [a, b] = s.includes(' ||| ') ? s.split(' ||| ') : [s, null];
      const e = await cut.encode(a, b, { addSpecialTokens: true });
      const n = (await full.encode(a, b, { addSpecialTokens: true })).getIds().length;
      const seq = e.getSequenceIds();
      const at = (i) => (seq[i] === 0 ? 0 : Buffer.byteLength(a, 'utf8') + 5);
      sentences.push({ text: s, ids: e.getIds(), tokens: e.getTokens(), n_full: n,
        spans: e.getOffsets().map((o, i) => (seq[i] === null ? [-1, -1]
          : toBytes(seq[i] === 0 ? a : b, o).map((x) => x + at(i)))),
        type_ids: e.getTypeIds(),
        sequence_ids: seq.map((q) => (q === undefined ? null : q)),
        word_ids: e.getWordIds().map((w) => (w === undefined ? null : w)) });
    }
    const doc = { model, tokenizer: tokfile, generator: 'tools/reference/word_ids.js',
      tokenizers: version, sentences };
    fs.writeFileSync(path.join(out, `${name}.tokens.json`), JSON.stringify(doc) + '\n');
    console.log(`${name}: ${sentences.length} sentences`);
  }
}

main().catch((e) => { console.error(e); process.exit(1); });
