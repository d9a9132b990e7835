// sentences.js — the test sentences every tokenizer fixture is made from:
// 600 lines built deterministically from the seeds below (casing, accents,
// CJK, Arabic, emoji with ZWJ and skin tones, combining marks,
// NFKC-sensitive text, control and zero-width characters, URLs, numbers,
// long words), and sentence pairs from them.
'use strict';

const seeds = [
  'The quick brown fox jumps over the lazy dog.',
  'Hello, World! How are you today?',
  'CAPITALS and lowercase and MiXeD CaSe words',
  'Café naïve résumé façade coöperate Zürich Ångström',
  'Crème brûlée, jalapeño, piñata and señor',
  'Straße, STRASSE, ß, ẞ, and the Turkish İstanbul ıi',
  'ΟΔΟΣ οδός Σίσυφος ΣΊΣΥΦΟΣ — Greek with a final sigma',
  'Здравствуйте, мир! Это тест.',
  '我爱自然语言处理。今天天气很好！',
  '日本語のテキスト、ひらがなとカタカナ。',
  '한국어 문장도 있습니다.',
  'مرحبا بالعالم، هذا اختبار.',
  'שלום עולם',
  'नमस्ते दुनिया, यह एक परीक्षण है।',
  'สวัสดีชาวโลก',
  'Emoji: 😀 😂 👍🏽 👩‍💻 👨‍👩‍👧‍👦 🏳️‍🌈 ❤️ 🇫🇷',
  'Skin tones 👋🏻👋🏼👋🏽👋🏾👋🏿 and a family 👩‍👩‍👧',
  'Combining: e\u0301 a\u0308 o\u0302\u0323 n\u0303 x\u0301\u0323 Z\u0335\u0321\u0327',
  'Zalgo: h\u0336\u0358\u035de\u0334\u0341l\u0338\u0360l\u0335o\u0337',
  'NFKC: ﬁne ﬂow ① ② ³ ½ ｆｕｌｌｗｉｄｔｈ ＡＢＣ ㎏ ㎞ ℌ ℍ Ⅻ ﬀ',
  'Ligatures ﬃ ﬄ and the Kelvin sign K and Ohm Ω and Å',
  'Zero\u200bwidth\u200cjoiners\u200dand\ufeffBOM and soft\u00adhyphen',
  'Controls:\u0001\u0002 bell\u0007 escape\u001b[0m delete\u007f done',
  'Tabs\tand\tnewlines\nand\rreturns\u2028line\u2029para',
  'Spaces:\u00a0nbsp\u2003em\u3000ideographic  double   triple',
  'Visit https://example.com/path?q=1&r=two#frag or http://a.b.c/~user',
  'Email me at someone.else+tag@example.co.uk, or call +1 (555) 123-4567.',
  'Numbers: 3.14159, 2,718,281, -42, 1e-10, 0x1F, 007, 1/2, 50%',
  'Dates 2024-01-15 and 12:30:45 and $1,000.00 and €99.99 and ¥500',
  'Pneumonoultramicroscopicsilicovolcanoconiosis is a long word',
  'Supercalifragilisticexpialidocious antidisestablishmentarianism',
  'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
  'Punctuation!!! ??? ... --- ((( ))) [brackets] {braces} <angles> "quotes" \'single\'',
  'Symbols: @#$%^&*_+=|\\/~` § ¶ † ‡ • ° © ® ™',
  'Dashes – — ‐ and quotes “curly” ‘single’ «guillemets» „low“',
  'Math: ∑ ∫ √ ∞ ≠ ≤ ≥ ± × ÷ ∂ ∆ π',
  'Call me Ishmael. Some years ago—never mind how long precisely—having little money',
  'It is a truth universally acknowledged, that a single man in possession of a good fortune',
  "Don't you think it's we'll they've I'm you'd she'll",
  'camelCaseIdentifier snake_case_identifier kebab-case-identifier SCREAMING_CASE',
  'function foo(x) { return x * 2; } // code',
  '  leading and trailing spaces  ',
  'Mr. Smith went to Washington D.C. in the U.S.A.',
  'Vietnamese: Tiếng Việt có dấu, người, được, những',
  'Polish: Zażółć gęślą jaźń; Czech: Příliš žluťoučký kůň',
  'Icelandic þorn and eth ð, Old English æsc',
  'Music ♩ ♪ ♫ ♬ and chess ♔ ♕ ♖ and cards ♠ ♥',
  'Braille ⠓⠑⠇⠇⠕ and box drawing ┌─┐│└┘',
  'Mathematical bold 𝐀𝐁𝐂 and fraktur 𝔄𝔅 and double-struck 𝔸𝔹',
  'Old Italic 𐌀𐌁𐌂 and Gothic 𐌰𐌱 and cuneiform 𒀀',
  'Emoji keycap 1️⃣ #️⃣ and variation ☺️ ☺︎ ✈️',
  'mixed日本語and English混合text',
  'the the the the the the the the',
  'A', 'I.', '?', '42', 'x y z',
  'Hyphenated well-known state-of-the-art long-term',
  'Contractions: can\'t won\'t shouldn\'t y\'all ma\'am',
  'ＦＵＬＬＷＩＤＴＨ ＰＵＮＣＴ！？ and halfwidth ｶﾀｶﾅ',
  'Devanagari conjuncts क्षत्रज्ञ and Tamil தமிழ்',
  'Ethiopic ሰላም and Armenian Բարեւ and Georgian გამარჯობა',
  'Superscripts x² y³ and subscripts H₂O CO₂',
  'Roman numerals Ⅰ Ⅱ Ⅲ Ⅳ and circled ⓐ ⓑ Ⓒ',
];

// Lines with the model's own special tokens typed are added per tokenizer.
function lcg(seed) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s;
  };
}

function variants(s, k) {
  switch (k % 4) {
  case 0: return s;
  case 1: return s.toUpperCase();
  case 2: return s.toLowerCase();
  default: return s.replace(/\b(\w)/g, (m) => m.toUpperCase());
  }
}

function sentences(n) {
  const out = seeds.slice();
  const r = lcg(12345);
  while (out.length < n) {
    const k = 1 + (r() % 3);
    const parts = [];
    for (let i = 0; i < k; i++)
      parts.push(variants(seeds[r() % seeds.length], r()));
    out.push(parts.join(r() % 5 === 0 ? '' : ' '));
  }
  return out;
}

function pairs(n) {
  const out = [];
  const r = lcg(777);
  for (let i = 0; i < n; i++)
    out.push([seeds[r() % seeds.length], seeds[r() % seeds.length]]);
  return out;
}

module.exports = { sentences, pairs };
