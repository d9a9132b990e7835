// tok_peer.js TOKENIZER.json TEXT — Hugging Face's tokenizers (the npm
// package, installed in tools/tok/) on every line of TEXT: encodeBatch of all
// lines, special tokens added, on one thread (RAYON_NUM_THREADS=1, set by
// bench/tokenize).  Prints the best of five runs: "seconds tokens".
'use strict';
const fs = require('fs');
const path = require('path');
const tk = require(path.join(__dirname, '..', 'tools', 'tok', 'node_modules', 'tokenizers'));

async function main() {
  const [tokfile, textfile] = process.argv.slice(2);
  const t = tk.Tokenizer.fromFile(tokfile);
  const lines = fs.readFileSync(textfile, 'utf8').split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  let best = Infinity, n = 0;
  for (let r = 0; r < 5; r++) {
    const t0 = process.hrtime.bigint();
    const enc = await t.encodeBatch(lines, { addSpecialTokens: true });
    const s = Number(process.hrtime.bigint() - t0) / 1e9;
    n = enc.reduce((a, e) => a + e.getLength(), 0);
    if (s < best) best = s;
  }
  console.log(`${best.toFixed(4)} ${n}`);
}
main().catch((e) => { console.error(e); process.exit(1); });
