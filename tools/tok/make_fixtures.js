#!/usr/bin/env node
// make_fixtures.js — heed's tokenizer golden fixtures, made by Hugging
// Face's own Rust tokenizers (the npm package `tokenizers`).
//
// For each tokenizer below it writes tests/fixtures/tok/NAME.json (the
// tokenizer.json heed reads) and NAME.golden.json (the sentences and what
// `tokenizers` makes of them: ids, pieces, byte offsets, type ids).
// Run from the source tree: cd tools/tok && npm install && node make_fixtures.js
// It needs spm_train (Debian's sentencepiece) for the Unigram model.
'use strict';

const fs = require('fs');
const path = require('path');
const { execFileSync } = require('child_process');
const tk = require('tokenizers');
const { sentences, pairs } = require('./sentences');

const top = path.resolve(__dirname, '..', '..');
const out = path.join(top, 'tests', 'fixtures', 'tok');
const { cases, VERSION } = require('./hf_golden');

function special(id, content, extra) {
  return Object.assign({ id, content, single_word: false, lstrip: false, rstrip: false,
    normalized: false, special: true }, extra || {});
}

function bertProcessing(vocab) {
  return { type: 'BertProcessing', sep: ['[SEP]', vocab['[SEP]']], cls: ['[CLS]', vocab['[CLS]']] };
}

// ---- WordPiece: heed-mini's BERT vocabulary, uncased and cased ----------

function bertVocab() {
  const lines = fs.readFileSync(path.join(top, 'assets/models/heed-mini/vocab.txt'), 'utf8')
    .split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const vocab = {};
  lines.forEach((l, i) => { vocab[l.replace(/\r$/, '')] = i; });   // later lines win, as HF
  return vocab;
}

function bert(lowercase) {
  const vocab = bertVocab();
  return {
    version: '1.0', truncation: null, padding: null,
    added_tokens: ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'].map((t) => special(vocab[t], t)),
    normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true,
      strip_accents: null, lowercase },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: bertProcessing(vocab),
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: { type: 'WordPiece', unk_token: '[UNK]', continuing_subword_prefix: '##',
      max_input_chars_per_word: 100, vocab },
  };
}

// ---- byte-level BPE trained on the bundled corpus -----------------------

let trained = null;

function trainBpe() {
  if (trained) return trained;
  const t = new tk.Tokenizer(tk.BPE.empty());
  t.setPreTokenizer(tk.byteLevelPreTokenizer(false, true));
  t.train([path.join(top, 'assets/corpus/moby-dick.txt')]);
  const tmp = path.join(require('os').tmpdir(), `heed-bpe-${process.pid}.json`);
  t.save(tmp);
  const j = JSON.parse(fs.readFileSync(tmp, 'utf8'));
  fs.unlinkSync(tmp);
  // keep the first 3000 merges; the vocabulary is the byte alphabet and
  // what those merges make
  const merges = j.model.merges.slice(0, 3000).map((m) => (Array.isArray(m) ? m : m.split(' ')));
  const pieces = tk.byteLevelAlphabet().slice().sort();
  const seen = new Set(pieces);
  for (const [a, b] of merges) {
    if (!seen.has(a + b)) { seen.add(a + b); pieces.push(a + b); }
  }
  trained = { pieces, merges };
  return trained;
}

function roberta() {
  const { pieces, merges } = trainBpe();
  const vocab = { '<s>': 0, '<pad>': 1, '</s>': 2, '<unk>': 3 };
  pieces.forEach((p) => { vocab[p] = Object.keys(vocab).length; });
  const mask = Object.keys(vocab).length;
  vocab['<mask>'] = mask;
  return {
    version: '1.0', truncation: null, padding: null,
    added_tokens: [special(0, '<s>'), special(1, '<pad>'), special(2, '</s>'), special(3, '<unk>'),
      special(mask, '<mask>', { lstrip: true })],
    normalizer: null,
    pre_tokenizer: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    post_processor: { type: 'RobertaProcessing', sep: ['</s>', 2], cls: ['<s>', 0],
      trim_offsets: true, add_prefix_space: true },
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: { type: 'BPE', dropout: null, unk_token: null, continuing_subword_prefix: null,
      end_of_word_suffix: null, fuse_unk: false, byte_fallback: false, ignore_merges: false,
      vocab, merges: merges.map((m) => m.join(' ')) },
  };
}

// The same tokenizer as RoBERTa's slow files: vocab.json, merges.txt and
// a tokenizer_config.json, read by heed as transformers' RobertaConverter
// would turn them into the tokenizer above.
function slowRoberta(json) {
  const dir = path.join(out, 'roberta-slow');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'vocab.json'), JSON.stringify(json.model.vocab) + '\n');
  fs.writeFileSync(path.join(dir, 'merges.txt'), '#version: 0.2\n' + json.model.merges.join('\n') + '\n');
  fs.writeFileSync(path.join(dir, 'tokenizer_config.json'), JSON.stringify({
    tokenizer_class: 'RobertaTokenizer', add_prefix_space: true, bos_token: '<s>', eos_token: '</s>',
    sep_token: '</s>', cls_token: '<s>', unk_token: '<unk>', pad_token: '<pad>',
    mask_token: { content: '<mask>', lstrip: true, rstrip: false, normalized: false, single_word: false },
  }, null, 1) + '\n');
}

// A GPT-4-style Split regex before a byte-level BPE without its own regex,
// a template with a begin-of-text token, merges as pairs.
function gpt2split() {
  const { pieces, merges } = trainBpe();
  const vocab = {};
  pieces.forEach((p, i) => { vocab[p] = i; });
  const bot = pieces.length;
  const eot = bot + 1;
  vocab['<|begin_of_text|>'] = bot;
  vocab['<|end_of_text|>'] = eot;
  const re = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
  return {
    version: '1.0', truncation: null, padding: null,
    added_tokens: [special(bot, '<|begin_of_text|>'), special(eot, '<|end_of_text|>')],
    normalizer: null,
    pre_tokenizer: { type: 'Sequence', pretokenizers: [
      { type: 'Split', pattern: { Regex: re }, behavior: 'Isolated', invert: false },
      { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: false }] },
    post_processor: { type: 'Sequence', processors: [
      { type: 'ByteLevel', add_prefix_space: true, trim_offsets: false, use_regex: true },
      { type: 'TemplateProcessing',
        single: [{ SpecialToken: { id: '<|begin_of_text|>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }],
        pair: [{ SpecialToken: { id: '<|begin_of_text|>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } },
          { SpecialToken: { id: '<|begin_of_text|>', type_id: 1 } }, { Sequence: { id: 'B', type_id: 1 } }],
        special_tokens: { '<|begin_of_text|>': { id: '<|begin_of_text|>', ids: [bot], tokens: ['<|begin_of_text|>'] } } }] },
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: { type: 'BPE', dropout: null, unk_token: null, continuing_subword_prefix: null,
      end_of_word_suffix: null, fuse_unk: false, byte_fallback: false, ignore_merges: true,
      vocab, merges },
  };
}

// ---- Unigram with a Precompiled normalizer, from spm_train --------------

// Just enough protobuf to read a ModelProto in this tool: heed itself
// reads .model files with protobuf-c.
function readProto(buf) {
  let i = 0;
  const varint = () => {
    let v = 0n, s = 0n;
    for (;;) {
      const b = buf[i++];
      v |= BigInt(b & 0x7f) << s;
      if (!(b & 0x80)) return v;
      s += 7n;
    }
  };
  const fields = [];
  while (i < buf.length) {
    const key = Number(varint());
    const f = key >> 3, w = key & 7;
    if (w === 0) fields.push([f, varint()]);
    else if (w === 1) { fields.push([f, buf.subarray(i, i + 8)]); i += 8; }
    else if (w === 2) { const n = Number(varint()); fields.push([f, buf.subarray(i, i + n)]); i += n; }
    else if (w === 5) { fields.push([f, buf.readFloatLE(i)]); i += 4; }
    else throw new Error('wire type ' + w);
  }
  return fields;
}

function spmModel(dir) {
  const model = path.join(dir, 'uni.model');
  if (!fs.existsSync(model)) {
    execFileSync('spm_train', [`--input=${path.join(top, 'assets/corpus/moby-dick.txt')}`,
      `--model_prefix=${path.join(dir, 'uni')}`, '--model_type=unigram', '--vocab_size=3000',
      '--character_coverage=0.9995', '--normalization_rule_name=nmt_nfkc', '--num_threads=2',
      '--seed_sentencepiece_size=100000', '--input_sentence_size=200000',
      '--shuffle_input_sentence=false'], { stdio: 'ignore' });
  }
  return model;
}

function unigram(model) {
  const top = readProto(fs.readFileSync(model));
  const pieces = [];
  let charsmap = Buffer.alloc(0);
  for (const [f, v] of top) {
    if (f === 1) {
      const p = { piece: '', score: 0, type: 1 };
      for (const [g, x] of readProto(v)) {
        if (g === 1) p.piece = Buffer.from(x).toString('utf8');
        else if (g === 2) p.score = x;
        else if (g === 3) p.type = Number(x);
      }
      pieces.push(p);
    } else if (f === 3) {
      for (const [g, x] of readProto(v)) if (g === 2) charsmap = Buffer.from(x);
    }
  }
  const unk = pieces.findIndex((p) => p.type === 2);
  const vocab = pieces.map((p) => [p.piece, p.score]);
  const mask = vocab.length;
  vocab.push(['<mask>', 0.0]);
  return {
    version: '1.0', truncation: null, padding: null,
    added_tokens: [special(0, '<unk>'), special(1, '<s>'), special(2, '</s>'),
      special(mask, '<mask>', { lstrip: true })],
    normalizer: { type: 'Sequence', normalizers: [
      { type: 'Precompiled', precompiled_charsmap: charsmap.toString('base64') },
      { type: 'Replace', pattern: { Regex: ' {2,}' }, content: ' ' }] },
    pre_tokenizer: { type: 'Metaspace', replacement: '\u2581', prepend_scheme: 'always', split: true },
    post_processor: { type: 'TemplateProcessing',
      single: [{ SpecialToken: { id: '<s>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } },
        { SpecialToken: { id: '</s>', type_id: 0 } }],
      pair: [{ SpecialToken: { id: '<s>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } },
        { SpecialToken: { id: '</s>', type_id: 0 } }, { SpecialToken: { id: '</s>', type_id: 0 } },
        { Sequence: { id: 'B', type_id: 0 } }, { SpecialToken: { id: '</s>', type_id: 0 } }],
      special_tokens: {
        '<s>': { id: '<s>', ids: [1], tokens: ['<s>'] },
        '</s>': { id: '</s>', ids: [2], tokens: ['</s>'] } } },
    decoder: { type: 'Metaspace', replacement: '\u2581', prepend_scheme: 'always', split: true },
    model: { type: 'Unigram', unk_id: unk, vocab, byte_fallback: false },
  };
}

// ---- goldens -------------------------------------------------------------

async function golden(name, json, extra) {
  const text = JSON.stringify(json);
  fs.writeFileSync(path.join(out, `${name}.json`), text + '\n');
  const doc = { tokenizer: `${name}.json`, generator: 'tools/tok/make_fixtures.js',
    tokenizers: VERSION, cases: await cases(text, sentences(600).concat(extra), pairs(60)) };
  fs.writeFileSync(path.join(out, `${name}.golden.json`), JSON.stringify(doc, null, 0) + '\n');
  console.log(`${name}: ${doc.cases.length} cases`);
}

async function main() {
  const tmp = fs.mkdtempSync(path.join(require('os').tmpdir(), 'heed-tok-'));
  const bertExtra = ['A [MASK] in the middle', '[CLS] typed [SEP] by hand [PAD]', '[MASK][MASK] [UNK]'];
  const bpeExtra = ['A <mask> in the middle', 'two<mask>  <mask> masks', '<s>typed</s> <pad>'];
  await golden('bert-uncased', bert(true), bertExtra);
  await golden('bert-cased', bert(false), bertExtra);
  const rob = roberta();
  await golden('roberta-bpe', rob, bpeExtra);
  slowRoberta(rob);
  await golden('gpt2-split', gpt2split(), ['<|begin_of_text|>typed', 'x<|end_of_text|>y']);
  const model = spmModel(tmp);
  await golden('unigram', unigram(model), bpeExtra);
  // the .model itself, and SentencePiece's own answer for it
  fs.copyFileSync(model, path.join(out, 'unigram.model'));
  execFileSync('/usr/bin/python3', [path.join(__dirname, 'spm_golden.py'), path.join(out, 'unigram.model'),
    path.join(out, 'unigram-spm.golden.json')], {
    input: JSON.stringify(sentences(600)), stdio: ['pipe', 'inherit', 'inherit'] });
  // the fuzz seeds: small tokenizers covering the other normalizers,
  // pre-tokenizers and model options
  const seeds = path.join(top, 'tests', 'fuzz', 'corpus', 'tokjson');
  for (const f of fs.readdirSync(seeds).sort())
    await golden(`seed-${f.replace(/\.json$/, '')}`, JSON.parse(fs.readFileSync(path.join(seeds, f), 'utf8')), []);
  fs.rmSync(tmp, { recursive: true, force: true });
}

main().catch((e) => { console.error(e); process.exit(1); });
