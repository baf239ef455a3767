/**
 * Generates the WAT text of the optimizer updates (src-core/optimizers.ts) for
 * the trainer: one pass over a parameter, its gradient, the output and the moving
 * averages, two values per step.
 *
 *   gd_<t>(w, g, out, n, lr)                                  out = w − lr·g
 *   momentum_<t>(w, g, out, v, n, lr, beta)
 *   rmsprop_<t>(w, g, out, s, n, lr, beta2, epsilon)
 *   adam_<t>(w, g, out, v, s, n, lr, beta1, beta2, epsilon, c1, c2)
 *
 * w, g and out are in the parameter's precision (out may be w); v and s are
 * float64 in both, as in optimizers.ts. Every expression is evaluated in float64
 * in the order JavaScript evaluates the one in optimizers.ts, with no fused
 * multiply-add in either variant, so the results are the same bit for bit
 * (float32 values widen exactly and the result rounds once, as a Float32Array
 * store does). The last value of an odd n goes through the same code with
 * single-value loads and stores.
 */
import type { Variant } from './build';

type Precision = 'f64' | 'f32';

/** Loads 2 (or 1) parameter values at ptr as an f64x2. */
function loadParam(t: Precision, ptr: string, one: boolean): string {
  if (t === 'f64') return one ? `(v128.load64_zero ${ptr})` : `(v128.load ${ptr})`;
  return `(f64x2.promote_low_f32x4 (${one ? 'v128.load32_zero' : 'v128.load64_zero'} ${ptr}))`;
}

function storeParam(t: Precision, ptr: string, value: string, one: boolean): string {
  if (t === 'f64') return one ? `(v128.store64_lane 0 ${ptr} ${value})` : `(v128.store ${ptr} ${value})`;
  return `(${one ? 'v128.store32_lane' : 'v128.store64_lane'} 0 ${ptr} (f32x4.demote_f64x2_zero ${value}))`;
}

const loadState = (ptr: string, one: boolean) => (one ? `(v128.load64_zero ${ptr})` : `(v128.load ${ptr})`);
const storeState = (ptr: string, value: string, one: boolean) => (one ? `(v128.store64_lane 0 ${ptr} ${value})` : `(v128.store ${ptr} ${value})`);

const f = (op: string, ...args: string[]) => `(f64x2.${op} ${args.join(' ')})`;
const get = (x: string) => `(local.get $${x})`;
const set = (x: string, e: string) => `(local.set $${x} ${e})`;

interface Rule {
  name: string;
  /** float64 scalars after n, splatted into locals of the same name. */
  scalars: string[];
  /** Moving averages, float64 arrays after out. */
  states: string[];
  /** The update of one step: statements on the v128 locals w, g and the states; sets o. */
  body: string[];
}

// The JavaScript each rule mirrors is quoted from optimizers.ts.
const RULES: Rule[] = [
  {
    // o[i] = w[i] - lr * g[i]
    name: 'gd',
    scalars: ['lr'],
    states: [],
    body: [set('o', f('sub', get('w'), f('mul', get('lr'), get('g'))))],
  },
  {
    // v[i] = beta * v[i] + (1 - beta) * g[i];  o[i] = w[i] - lr * v[i]
    name: 'momentum',
    scalars: ['lr', 'beta'],
    states: ['v'],
    body: [
      set('v', f('add', f('mul', get('beta'), get('v')), f('mul', get('one_minus_beta'), get('g')))),
      set('o', f('sub', get('w'), f('mul', get('lr'), get('v')))),
    ],
  },
  {
    // s[i] = beta2 * s[i] + (1 - beta2) * g[i] * g[i];  o[i] = w[i] - (lr * g[i]) / (Math.sqrt(s[i]) + epsilon)
    name: 'rmsprop',
    scalars: ['lr', 'beta2', 'epsilon'],
    states: ['s'],
    body: [
      set('s', f('add', f('mul', get('beta2'), get('s')), f('mul', f('mul', get('one_minus_beta2'), get('g')), get('g')))),
      set('o', f('sub', get('w'), f('div', f('mul', get('lr'), get('g')), f('add', f('sqrt', get('s')), get('epsilon'))))),
    ],
  },
  {
    // v[i] = beta1 * v[i] + (1 - beta1) * g[i];  s[i] = beta2 * s[i] + (1 - beta2) * (g[i] * g[i]);
    // o[i] = w[i] - (lr * (v[i] / c1)) / (Math.sqrt(s[i] / c2) + epsilon)
    name: 'adam',
    scalars: ['lr', 'beta1', 'beta2', 'epsilon', 'c1', 'c2'],
    states: ['v', 's'],
    body: [
      set('v', f('add', f('mul', get('beta1'), get('v')), f('mul', get('one_minus_beta1'), get('g')))),
      set('s', f('add', f('mul', get('beta2'), get('s')), f('mul', get('one_minus_beta2'), f('mul', get('g'), get('g'))))),
      set('o', f('sub', get('w'), f('div', f('mul', get('lr'), f('div', get('v'), get('c1'))), f('add', f('sqrt', f('div', get('s'), get('c2'))), get('epsilon'))))),
    ],
  },
];

function ruleFunction(rule: Rule, t: Precision): string {
  const size = t === 'f64' ? 8 : 4;
  const pointers = ['w', 'g', 'out', ...rule.states];
  // (1 − β) is computed once, as a double, like JavaScript's (1 - beta) in each step.
  const oneMinus = rule.scalars.filter((s) => s.startsWith('beta')).map((s) => `one_minus_${s}`);
  const splats = [...rule.scalars, ...oneMinus];
  const step = (one: boolean) =>
    [
      set('w', loadParam(t, get('pw'), one)),
      set('g', loadParam(t, get('pg'), one)),
      ...rule.states.map((s) => set(s, loadState(get(`p${s}`), one))),
      ...rule.body,
      ...rule.states.map((s) => storeState(get(`p${s}`), get(s), one)),
      storeParam(t, get('pout'), get('o'), one),
    ].join('\n');
  const advance = [
    ...['w', 'g', 'out'].map((p) => set(`p${p}`, `(i32.add ${get(`p${p}`)} (i32.const ${2 * size}))`)),
    ...rule.states.map((s) => set(`p${s}`, `(i32.add ${get(`p${s}`)} (i32.const 16))`)),
  ];
  return [
    `(func $${rule.name}_${t} (export "${rule.name}_${t}") ${pointers.map((p) => `(param $p${p} i32)`).join(' ')} (param $n i32) ${rule.scalars.map((s) => `(param $${s}_s f64)`).join(' ')}`,
    `  (local $pairs i32) (local $w v128) (local $g v128) (local $o v128) ${rule.states.map((s) => `(local $${s} v128)`).join(' ')}`,
    `  ${splats.map((s) => `(local $${s} v128)`).join(' ')}`,
    ...rule.scalars.map((s) => set(s, `(f64x2.splat (local.get $${s}_s))`)),
    ...oneMinus.map((s) => set(s, `(f64x2.splat (f64.sub (f64.const 1) (local.get $${s.slice('one_minus_'.length)}_s)))`)),
    set('pairs', '(i32.shr_u (local.get $n) (i32.const 1))'),
    '(block $done (loop $pair',
    '  (br_if $done (i32.eqz (local.get $pairs)))',
    step(false),
    ...advance,
    set('pairs', '(i32.sub (local.get $pairs) (i32.const 1))'),
    '  (br $pair)))',
    `(if (i32.and (local.get $n) (i32.const 1)) (then\n${step(true)}))`,
    ')',
  ].join('\n');
}

export function optimizerFunctions(_variant: Variant): string {
  return [
    ';; Optimizer updates (scripts/wasm/optimizers.ts): bit for bit those of src-core/optimizers.ts.',
    ...RULES.flatMap((rule) => [ruleFunction(rule, 'f64'), ruleFunction(rule, 'f32')]),
  ].join('\n');
}
