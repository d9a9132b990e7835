#!/usr/bin/env node
// family_tokenizers.js — the tokenizer.json each family fixture ships, and
// what Hugging Face's own Rust tokenizers (the npm package `tokenizers`,
// installed in tools/tok) make of the family sentences with it.
//
//   cd tools/tok && npm install && node ../reference/family_tokenizers.js
//
// The tokenizers are the ones tools/tok/make_fixtures.js trained
// (tests/fixtures/tok/): its byte-level BPE in RoBERTa's layout for
// roberta-*, and its SentencePiece Unigram rearranged the way the real
// checkpoints number their specials: XLM-R's and CamemBERT's fairseq order
// (<s> 0, <pad> 1, </s> 2, <unk> 3, <mask> last) and ALBERT's (<pad> 0,
// <unk> 1, [CLS] 2, [SEP] 3, [MASK] 4, lowercased).  For each fixture
// folder it writes FOLDER/tokenizer.json, and tests/fixtures/enc/
// FOLDER.tokens.json: per sentence the text (with the family's own mask and
// pad tokens), ids, pieces and byte offsets ([-1, -1] for added specials),
// cut at 128 tokens as heed cuts, and the uncut length.
// make_random_model.py sizes each checkpoint's vocabulary from the
// tokenizer; make_enc_fixtures.py feeds these ids to the reference.
'use strict';

const fs = require('fs');
const path = require('path');
const top = path.resolve(__dirname, '..', '..');
const tk = require(require.resolve('tokenizers', { paths: [path.join(top, 'tools', 'tok')] }));

const enc = path.join(top, 'tests', 'fixtures', 'enc');
const tokdir = path.join(top, 'tests', 'fixtures', 'tok');
const MAX_TOKENS = 128;

function special(id, content, extra) {
  return Object.assign({ id, content, single_word: false, lstrip: false, rstrip: false,
    normalized: false, special: true }, extra || {});
}

function template(cls, clsId, sep, sepId) {
  return { type: 'TemplateProcessing',
    single: [{ SpecialToken: { id: cls, type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } },
      { SpecialToken: { id: sep, type_id: 0 } }],
    pair: [{ SpecialToken: { id: cls, type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } },
      { SpecialToken: { id: sep, type_id: 0 } }, { Sequence: { id: 'B', type_id: 1 } },
      { SpecialToken: { id: sep, type_id: 1 } }],
    special_tokens: {
      [cls]: { id: cls, ids: [clsId], tokens: [cls] },
      [sep]: { id: sep, ids: [sepId], tokens: [sep] } } };
}

const load = (name) => JSON.parse(fs.readFileSync(path.join(tokdir, name), 'utf8'));

// The Unigram model's own pieces, without its <unk>, <s>, </s> and <mask>.
function unigramPieces() {
  const u = load('unigram.json');
  const skip = new Set(['<unk>', '<s>', '</s>', '<mask>']);
  return { u, pieces: u.model.vocab.filter(([p]) => !skip.has(p)) };
}

// XLM-R / CamemBERT: fairseq's order, <s> $A </s>.
function xlmr() {
  const { u, pieces } = unigramPieces();
  const specials = ['<s>', '<pad>', '</s>', '<unk>'];
  const vocab = specials.map((s) => [s, 0.0]).concat(pieces);
  const mask = vocab.length;
  vocab.push(['<mask>', 0.0]);
  return Object.assign({}, u, {
    added_tokens: specials.map((s, i) => special(i, s)).concat([special(mask, '<mask>', { lstrip: true })]),
    post_processor: template('<s>', 0, '</s>', 2),
    model: { type: 'Unigram', unk_id: 3, vocab, byte_fallback: false },
  });
}

// ALBERT: <pad> <unk> [CLS] [SEP] [MASK], lowercased, [CLS] $A [SEP].
function albert() {
  const { u, pieces } = unigramPieces();
  const specials = ['<pad>', '<unk>', '[CLS]', '[SEP]', '[MASK]'];
  const vocab = specials.map((s) => [s, 0.0]).concat(pieces);
  return Object.assign({}, u, {
    added_tokens: specials.map((s, i) => special(i, s)),
    normalizer: { type: 'Sequence', normalizers: [
      { type: 'Replace', pattern: { String: '``' }, content: '"' },
      { type: 'Replace', pattern: { String: "''" }, content: '"' },
      u.normalizer.normalizers[0], { type: 'Lowercase' },
      { type: 'Replace', pattern: { Regex: ' {2,}' }, content: ' ' }] },
    post_processor: template('[CLS]', 2, '[SEP]', 3),
    model: { type: 'Unigram', unk_id: 1, vocab, byte_fallback: false },
  });
}

// ModernBERT: a byte-level BPE without a prefix space, its pieces first and
// [UNK] [CLS] [SEP] [PAD] [MASK] after them (as answerdotai/ModernBERT-base
// numbers them, past its 50280 pieces), [MASK] taking the spaces before it,
// [CLS] $A [SEP] and $B:1 [SEP]:1.
function modernbert() {
  const r = load('roberta-bpe.json');
  const skip = new Set(['<s>', '<pad>', '</s>', '<unk>', '<mask>']);
  const vocab = {};
  for (const [piece] of Object.entries(r.model.vocab).sort((a, b) => a[1] - b[1]))
    if (!skip.has(piece)) vocab[piece] = Object.keys(vocab).length;
  const base = Object.keys(vocab).length;
  const specials = ['[UNK]', '[CLS]', '[SEP]', '[PAD]', '[MASK]'];
  specials.forEach((t, i) => { vocab[t] = base + i; });
  return {
    version: '1.0', truncation: null, padding: null,
    added_tokens: specials.map((t, i) => special(base + i, t, t === '[MASK]' ? { lstrip: true } : {})),
    normalizer: { type: 'NFC' },
    pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
    post_processor: template('[CLS]', base + 1, '[SEP]', base + 2),
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: Object.assign({}, r.model, { vocab, unk_token: null }),
  };
}

// fixture folders and their tokenizer; text: the family's own spelling of
// the mask and pad tokens
const RB = (s) => s.replace(/\[MASK\]/g, '<mask>').replace(/\[PAD\]/g, '<pad>');
const AL = (s) => s.replace(/\[PAD\]/g, '<pad>');
const FAMILIES = [
  ['roberta-f32', 'roberta', RB], ['roberta-f16', 'roberta', RB],
  ['xlmr-bf16', 'xlmr', RB], ['camembert-f32', 'xlmr', RB],
  ['albert-f32', 'albert', AL], ['albert-f16', 'albert', AL], ['albert-inner-f32', 'albert', AL],
  ['modernbert-f32', 'modernbert', (s) => s, 'sentences.txt'],
  ['modernbert-bf16', 'modernbert', (s) => s, 'sentences.txt'],
];

// Character offsets (what the bindings give) to byte offsets.
function toBytes(s, [b, e]) {
  const cps = Array.from(s);
  const at = [0];
  for (const c of cps) at.push(at[at.length - 1] + Buffer.byteLength(c, 'utf8'));
  return [at[b], at[e]];
}

async function main() {
  const made = { roberta: load('roberta-bpe.json'), xlmr: xlmr(), albert: albert(),
    modernbert: modernbert() };
  const read = (f) => fs.readFileSync(path.join(enc, f), 'utf8').split('\n')
    .filter((l) => l.trim() !== '');
  for (const [folder, kind, spell, file] of FAMILIES) {
    const lines = read(file || 'family-sentences.txt');
    const text = JSON.stringify(made[kind]);
    fs.mkdirSync(path.join(enc, folder), { recursive: true });
    fs.writeFileSync(path.join(enc, folder, 'tokenizer.json'), text + '\n');
    const full = tk.Tokenizer.fromString(text);
    const cut = tk.Tokenizer.fromString(text);
    cut.setTruncation(MAX_TOKENS);
    const sentences = [];
    for (const l of lines) {
      const s = spell(l);
      const e = await cut.encode(s, null, { addSpecialTokens: true });
      const n = (await full.encode(s, null, { addSpecialTokens: true })).getIds().length;
      const seq = e.getSequenceIds();
      sentences.push({ text: s, ids: e.getIds(), tokens: e.getTokens(), n_full: n,
        spans: e.getOffsets().map((o, i) => (seq[i] === 0 ? toBytes(s, o) : [-1, -1])) });
    }
    const vocabSize = Math.max(...Object.values(made[kind].added_tokens).map((t) => t.id),
      kind === 'roberta' || kind === 'modernbert' ? Object.keys(made[kind].model.vocab).length - 1
        : made[kind].model.vocab.length - 1) + 1;
    const doc = { tokenizer: `${folder}/tokenizer.json`, kind, vocab_size: vocabSize,
      generator: 'tools/reference/family_tokenizers.js',
      tokenizers: require(require.resolve('tokenizers/package.json',
        { paths: [path.join(top, 'tools', 'tok')] })).version, sentences };
    fs.writeFileSync(path.join(enc, `${folder}.tokens.json`), JSON.stringify(doc) + '\n');
    console.log(`${folder}: ${kind}, ${vocabSize} ids, ${sentences.length} sentences`);
  }
}

// word_ids.js borrows toBytes; run as a script, this writes the fixtures
module.exports = { toBytes };
if (require.main === module) main().catch((e) => { console.error(e); process.exit(1); });
