#!/usr/bin/env node
// ONNX Runtime side of the benchmark: one forward of the exported BERT
// (bench/export_onnx.py) per run, on heed bench's ids, with every output
// (last hidden state and all attention probabilities) fetched.
//
//   node bench/ort_bench.js MODEL.onnx IDS.json --lengths 8,32,128 --threads N
//        --runs R --warmup W [--name NAME]
//
// Prints TSV: engine, model, length, run, ms — one line per timed run.
'use strict';
const path = require('path');
const fs = require('fs');
const ort = require('onnxruntime-node');

function parseArgs(argv) {
	const a = { lengths: '8,32,128', threads: 2, runs: 20, warmup: 3, pos: [] };
	for (let i = 0; i < argv.length; i++) {
		const k = argv[i];
		if (k.startsWith('--')) a[k.slice(2)] = argv[++i];
		else a.pos.push(k);
	}
	if (a.pos.length !== 2) {
		process.stderr.write('usage: ort_bench.js MODEL.onnx IDS.json [--lengths L] [--threads N] [--runs R] [--warmup W]\n');
		process.exit(1);
	}
	return a;
}

async function main() {
	const a = parseArgs(process.argv.slice(2));
	const [onnx, idsPath] = a.pos;
	const ids = JSON.parse(fs.readFileSync(idsPath, 'utf8'));
	const name = a.name || path.basename(path.dirname(path.resolve(onnx)));
	const session = await ort.InferenceSession.create(onnx, {
		intraOpNumThreads: Number(a.threads),
		interOpNumThreads: 1,
		graphOptimizationLevel: 'all',
		executionMode: 'sequential',
	});
	for (const n of a.lengths.split(',').map(Number)) {
		if (!ids[n]) throw new Error(`no ids for length ${n} in ${idsPath}`);
		const feeds = {
			input_ids: new ort.Tensor('int64', BigInt64Array.from(ids[n].map(BigInt)), [n]),
		};
		for (let i = 0; i < Number(a.warmup); i++) await session.run(feeds);
		for (let r = 0; r < Number(a.runs); r++) {
			const t0 = process.hrtime.bigint();
			await session.run(feeds);
			const ms = Number(process.hrtime.bigint() - t0) / 1e6;
			process.stdout.write(`ort\t${name}\t${n}\t${r}\t${ms.toFixed(4)}\n`);
		}
	}
}

main().catch((e) => {
	process.stderr.write(`ort_bench: ${e.message}\n`);
	process.exit(3);
});
