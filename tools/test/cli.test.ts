import { cudaInfo } from '@asc/native';
import { runAsc } from './helpers';

const { version } = require('../package.json') as { version: string };

describe('asc command line', () => {
  it('prints help with exit code 0', () => {
    const r = runAsc(['--help']);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('asc <command> [options]');
    expect(r.stdout).toContain('--json');
  });

  it('prints its version', () => {
    const r = runAsc(['--version']);
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe(version);
  });

  it('exits 2 on an unknown command, with a JSON error under --json', () => {
    const r = runAsc(['no-such-command', '--json']);
    expect(r.status).toBe(2);
    expect(r.json()).toEqual({
      error: expect.stringContaining('no-such-command'),
      code: 'usage',
      context: {},
      exitCode: 2,
    });
    expect(r.stderr).toContain('asc:');
  });

  it('exits 2 with no command at all', () => {
    const r = runAsc([]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/command/i);
  });

  it('exits 2 on an unknown flag', () => {
    expect(runAsc(['info', '--no-such-flag']).status).toBe(2);
  });

  it('prints exactly one JSON object on stdout under --json', () => {
    const r = runAsc(['info', '--json']);
    expect(r.status).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const info = r.json();
    expect(info.asc).toBe(version);
    expect(info.node).toBe(process.version);
  });

  it('asc info reports the CUDA build and devices in the shape of issue 12', () => {
    const info = runAsc(['info', '--json']).json();
    const cuda = info.cuda as Record<string, unknown>;
    expect(Object.keys(cuda).sort()).toEqual([
      'architectures',
      'built',
      'devices',
      'nvcc',
      'reason',
    ]);
    const status = cudaInfo();
    expect(cuda).toEqual({
      built: status.built,
      nvcc: status.nvcc,
      architectures: status.architectures,
      devices: status.devices.map((d) => ({
        name: d.name,
        computeCapability: d.computeCapability,
        memoryBytes: d.memoryBytes,
        driver: d.driver,
      })),
      reason: status.reason,
    });
    if (status.built)
      expect(cuda).toMatchObject({
        nvcc: expect.stringMatching(/^\d+\.\d+$/),
        architectures: [75, 80, 90],
      });
  });
});
