// A port of purenn's network to JavaScript (node), written from docs/spec.md.
//
//   node scripts/ports/port.js FIXTURE ACTUAL
//   node scripts/ports/port.js --exp < ARGUMENTS   (exp of each hex float)
//
// Reads a golden fixture (floats as JSON numbers or C99 hex strings), trains
// from its initial parameters in its order, and writes every quantity the
// fixture holds, in its layout, to ACTUAL (floats as shortest round-trip
// decimals).  `purenn compare FIXTURE ACTUAL` then says IDENTICAL.
// No Math.exp: V8's is not correctly rounded; expCR below is.
'use strict';
const fs = require('fs');

// ---- exp, correctly rounded ------------------------------------------------
// e^x = 2^k e^r with r = x - k ln2, |r| <= 0.35, in fixed point with F
// fractional bits (BigInt).  The error is at most 4096 + 4n units of 2^-F
// (n Taylor terms; r is off by at most 2|k|+1 units); if both ends of that
// interval round to the same double it is e^x rounded, else F doubles.
const view = new DataView(new ArrayBuffer(8));
const ln2Cache = new Map();

function ln2Fixed(F) {  // ln2 * 2^F, within 2 units: sum 1/(n 2^n)
  if (!ln2Cache.has(F)) {
    const G = BigInt(F + 32);
    let s = 0n;
    for (let n = 1n; n <= G; n++) s += (1n << (G - n)) / n;
    ln2Cache.set(F, s >> 32n);
  }
  return ln2Cache.get(F);
}

function pow2(e) {  // 2^e exactly, -1074 <= e <= 1023
  if (e >= -1022) { view.setUint32(0, (e + 1023) << 20); view.setUint32(4, 0); }
  else if (e >= -1042) { view.setUint32(0, 1 << (e + 1074 - 32)); view.setUint32(4, 0); }
  else { view.setUint32(0, 0); view.setUint32(4, 2 ** (e + 1074)); }
  return view.getFloat64(0);
}

function roundScaled(S, e) {  // S * 2^e rounded to a double (S > 0, BigInt)
  const nb = S.toString(2).length;
  const lead = nb - 1 + e;
  if (lead > 1023) return Infinity;
  const shift = lead >= -1022 ? nb - 53 : -1074 - e;
  let q;
  if (shift <= 0) q = S << BigInt(-shift);
  else q = (S + (1n << BigInt(shift - 1))) >> BigInt(shift);  // half up
  if (q === 0n) return 0;
  return Number(q) * pow2(e + shift);  // exact: q <= 2^53, -1074 <= e+shift <= 971
}

function tryExp(x, F) {
  view.setFloat64(0, x);
  const hi = view.getUint32(0), lo = view.getUint32(4);
  const neg = hi >>> 31 === 1, ex = (hi >>> 20) & 0x7ff;
  let M = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo), E = -1074;
  if (ex !== 0) { M |= 1n << 52n; E = ex - 1075; }
  const Fb = BigInt(F);
  const X = M << BigInt(E + F);            // |x| 2^F exactly (E + F >= 0)
  const k = Math.round(Math.abs(x) * 1.4426950408889634);
  let R = X - BigInt(k) * ln2Fixed(F);     // (|x| - k ln2) 2^F
  let rneg = R < 0n;
  if (rneg) R = -R;
  if (neg) rneg = !rneg;                   // e^x = 2^(+-k) e^(+-r)
  let t = 1n << Fb, P = t, N = 0n, n = 0n;
  while (t !== 0n) {
    n++;
    t = ((t * R) >> Fb) / n;
    if (rneg && (n & 1n)) N += t; else P += t;
  }
  const S = P - N, err = 4096n + 4n * n, scale = (neg ? -k : k) - F;
  const a = roundScaled(S - err, scale), b = roundScaled(S + err, scale);
  return a === b ? a : undefined;
}

function expCR(x) {
  if (Number.isNaN(x)) return NaN;
  if (x > 710) return Infinity;
  if (x < -746) return 0;
  if (Math.abs(x) < 2 ** -54) return 1;   // within 2^-54 of 1: rounds to 1
  for (let F = 128; F <= 4096; F *= 2) {
    const y = tryExp(x, F);
    if (y !== undefined) return y;
  }
  throw new Error('exp(' + x + '): rounding not decided at 4096 bits');
}

// ---- reading and writing floats --------------------------------------------
function num(v) {  // a JSON number or a C99 hex string
  if (typeof v === 'number') return v;
  const s = String(v).toLowerCase();
  if (/^[+-]?nan$/.test(s)) return NaN;
  if (/^[+-]?inf(inity)?$/.test(s)) return s[0] === '-' ? -Infinity : Infinity;
  const m = /^([+-]?)0x([0-9a-f]*)(?:\.([0-9a-f]*))?p([+-]?\d+)$/.exec(s);
  if (!m) throw new Error('not a number: ' + JSON.stringify(v));
  const digits = (m[2] || '') + (m[3] || '');
  const mant = BigInt('0x' + (digits || '0'));
  const value = mant === 0n ? 0 :
    roundScaled(mant, parseInt(m[4], 10) - 4 * (m[3] || '').length);
  return m[1] === '-' ? -value : value;
}

function dump(v) {
  if (typeof v === 'number') {
    if (Number.isNaN(v)) return '"nan"';
    if (!Number.isFinite(v)) return v > 0 ? '"inf"' : '"-inf"';
    return Object.is(v, -0) ? '-0.0' : String(v);
  }
  if (Array.isArray(v)) return '[' + v.map(dump).join(',') + ']';
  if (v !== null && typeof v === 'object') {
    return '{' + Object.keys(v).map(k => JSON.stringify(k) + ':' + dump(v[k]))
      .join(',') + '}';
  }
  return JSON.stringify(v);
}

// ---- the network (docs/spec.md) --------------------------------------------
const sigmoid = z => 1.0 / (1.0 + expCR(-z));
const column = v => v.map(x => [x]);

function feedforward(w, b, x) {  // returns [zs, activations]
  const zs = [], acts = [x];
  for (let l = 0; l < w.length; l++) {
    const a = acts[l];
    const z = w[l].map((row, j) => {
      let s = row[0] * a[0];                     // from the first product
      for (let k = 1; k < row.length; k++) s = s + row[k] * a[k];
      return s + b[l][j];                        // the bias last
    });
    zs.push(z);
    acts.push(z.map(sigmoid));
  }
  return [zs, acts];
}

function train(fx) {
  let w = fx.initial.layers.map(l => l.w.map(row => row.map(num)));
  let b = fx.initial.layers.map(l => l.b.map(row => num(row[0])));
  const X = fx.inputs.map(x => x.map(num)), Y = fx.targets.map(y => y.map(num));
  const eta = num(fx.eta), size = fx.mini_batch_size, L = w.length;
  const omitted = new Set((fx.omitted || []).map(text =>
    Number((/^steps\.examples\.layers\[layer (\d+)\]\.dc_dw$/.exec(text) || [])[1])));
  const steps = [];
  fx.order.forEach((order, epoch) => {
    for (let start = 0; start < order.length; start += size) {
      const batch = order.slice(start, start + size), m = batch.length;
      const sumB = b.map(v => v.map(() => 0.0));
      const sumW = w.map(M => M.map(row => row.map(() => 0.0)));
      const examples = batch.map(index => {
        const [zs, acts] = feedforward(w, b, X[index]);
        const y = Y[index], out = acts[L];
        let cost = (out[0] - y[0]) * (out[0] - y[0]);
        for (let j = 1; j < out.length; j++) cost = cost + (out[j] - y[j]) * (out[j] - y[j]);
        cost = 0.5 * cost;
        const dcda = [], dcdb = [], dcdw = [];
        dcda[L - 1] = out.map((a, j) => a - y[j]);
        for (let l = L - 1; l >= 0; l--) {
          if (l < L - 1) {
            const next = w[l + 1], delta = dcdb[l + 1];
            dcda[l] = next[0].map((_, k) => {
              let s = next[0][k] * delta[0];
              for (let j = 1; j < next.length; j++) s = s + next[j][k] * delta[j];
              return s;
            });
          }
          dcdb[l] = acts[l + 1].map((s, j) => (s * (1.0 - s)) * dcda[l][j]);
          dcdw[l] = dcdb[l].map(d => acts[l].map(a => d * a));
          sumB[l] = sumB[l].map((v, j) => v + dcdb[l][j]);
          sumW[l] = sumW[l].map((row, j) => row.map((v, k) => v + dcdw[l][j][k]));
        }
        return {example: index, cost: cost, layers: zs.map((z, l) => {
          const layer = {layer: l + 1, z: column(z), a: column(acts[l + 1]),
                         dc_da: column(dcda[l]), dc_db: column(dcdb[l])};
          if (!omitted.has(l + 1)) layer.dc_dw = dcdw[l];
          return layer;
        })};
      });
      const rate = eta / m;                      // formed once
      w = w.map((M, l) => M.map((row, j) => row.map((v, k) => v - rate * sumW[l][j][k])));
      b = b.map((v, l) => v.map((x, j) => x - rate * sumB[l][j]));
      let cost = examples[0].cost;
      for (let i = 1; i < m; i++) cost = cost + examples[i].cost;
      steps.push({step: steps.length, epoch: epoch, example_order: batch,
                  rate: rate, cost: cost / m, examples: examples,
                  layers: w.map((M, l) => ({layer: l + 1,
                    sum_dc_db: column(sumB[l]), sum_dc_dw: sumW[l],
                    updated_b: column(b[l]), updated_w: M}))});
    }
  });
  const outputs = fx.test.inputs.map(x => feedforward(w, b, x.map(num))[1][L]);
  return {case: fx.case, initial: fx.initial, steps: steps,
          test: {outputs: outputs}};
}

function main(argv) {
  if (argv.length === 1 && argv[0] === '--exp') {   // exp of each line on stdin
    const lines = fs.readFileSync(0, 'utf8').split('\n').filter(x => x.trim());
    process.stdout.write(lines.map(x => dump(expCR(num(x.trim())))).join('\n') + '\n');
    return 0;
  }
  if (argv.length !== 2) {
    process.stderr.write('usage: node port.js FIXTURE ACTUAL\n');
    return 2;
  }
  const fixture = JSON.parse(fs.readFileSync(argv[0], 'utf8'));
  fs.writeFileSync(argv[1], dump(train(fixture)) + '\n');
  return 0;
}

if (require.main === module) {
  try {
    process.exitCode = main(process.argv.slice(2));
  } catch (error) {
    process.stderr.write('port.js: ' + error.message + '\n');
    process.exitCode = 1;
  }
}
module.exports = {expCR: expCR, num: num};
