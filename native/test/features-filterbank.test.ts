import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { morletFilterbank, FeatureConfigError } from '@asc/native';
import { tempDir } from './features-helpers';
import { addonRequired } from './addon-required';

// The bank against the numpy reference (checked there against Kymatio 0.2 itself): the
// shipped (2048, 10, 16) file, and a second parameter set generated now by the script.

const REFERENCE = path.join(__dirname, '..', '..', '..', 'shared', 'reference');
const backends: ('js' | 'native')[] = addonRequired('features-filterbank.test, native backend')
  ? ['js', 'native']
  : ['js'];

interface RefBank {
  params: { N: number; J: number; Q: number; n_filters: number; n_bins: number };
  xi: number[];
  sigma: number[];
  matrix: number[][];
}

function maxAbsDiff(bank: ReturnType<typeof morletFilterbank>, ref: RefBank): number {
  let worst = 0;
  ref.matrix.forEach((row, r) =>
    row.forEach((v, k) => {
      worst = Math.max(worst, Math.abs(bank.weights[r * bank.bins + k] - v));
    }),
  );
  return worst;
}

function expectParams(bank: ReturnType<typeof morletFilterbank>, ref: RefBank): void {
  expect(bank.bands).toBe(ref.params.n_filters);
  expect(bank.bins).toBe(ref.params.n_bins);
  // The JSON holds 8 significant digits.
  ref.xi.forEach((v, i) =>
    expect(Math.abs(bank.xi[i] - v)).toBeLessThanOrEqual(6e-8 * Math.abs(v) + 1e-15),
  );
  ref.sigma.forEach((v, i) => expect(Math.abs(bank.sigma[i] - v)).toBeLessThanOrEqual(6e-8 * v));
}

const ref10 = JSON.parse(
  fs.readFileSync(path.join(REFERENCE, 'ref_J10_Q16.json'), 'utf8'),
) as RefBank;

// make_reference.py writes next to itself: run a copy in a temporary directory.
function generated(jSupport: number, J: number, Q: number): RefBank {
  const dir = tempDir('bank');
  fs.copyFileSync(path.join(REFERENCE, 'make_reference.py'), path.join(dir, 'make_reference.py'));
  execFileSync(
    'python3',
    [path.join(dir, 'make_reference.py'), `${jSupport}`, `${J}`, `${Q}`, 'x.json'],
    {
      cwd: dir,
      stdio: 'pipe',
    },
  );
  return JSON.parse(fs.readFileSync(path.join(dir, 'x.json'), 'utf8')) as RefBank;
}

describe.each(backends)('morletFilterbank (%s)', (backend) => {
  it('matches ref_J10_Q16.json to 1e-6 (128 x 1025)', () => {
    const bank = morletFilterbank({ nFft: 2048, J: 10, Q: 16, backend });
    expectParams(bank, ref10);
    expect(maxAbsDiff(bank, ref10)).toBeLessThan(1e-6);
    // The addon's typed arrays come from another realm than jest's globals.
    expect(Object.prototype.toString.call(bank.weights)).toBe('[object Float32Array]');
    expect(Object.prototype.toString.call(bank.xi)).toBe('[object Float64Array]');
  });

  it('matches a bank generated now by make_reference.py (nFft 1024, J 8, Q 8)', () => {
    const ref = generated(10, 8, 8);
    const bank = morletFilterbank({ nFft: 1024, J: 8, Q: 8, backend });
    expectParams(bank, ref);
    expect(maxAbsDiff(bank, ref)).toBeLessThan(1e-6);
  });

  it('rejects invalid parameters with the field named', () => {
    expect(() => morletFilterbank({ nFft: 1, J: 10, Q: 16, backend })).toThrow(FeatureConfigError);
    expect(() => morletFilterbank({ nFft: 2048, J: 10, Q: 0, backend })).toThrow(/Q/);
  });
});

it('the generated (J 8, Q 8) reference differs from the default one (the test can fail)', () => {
  const ref = generated(10, 8, 8);
  expect(ref.matrix.length).not.toBe(ref10.matrix.length);
});
