import * as os from 'os';
import { addonAvailable, cudaInfo, loadAddon } from '@asc/native';
import { defineCommand } from '../cli/command';

const { version } = require('../../package.json') as { version: string };

function gib(bytes: number): string {
  return `${(bytes / 2 ** 30).toFixed(1)} GiB`;
}

/** `asc info`: versions, the native addon's state, CUDA and the machine, for bug reports. */
export const infoCommand = defineCommand({
  command: 'info',
  describe: 'Show versions, the native addon, CUDA and the machine',
  run: async (_args, out) => {
    const addon = addonAvailable() ? loadAddon().buildInfo() : null;
    const c = cudaInfo();
    const result = {
      asc: version,
      node: process.version,
      platform: `${os.platform()}-${os.arch()}`,
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model ?? 'unknown',
      memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
      addon,
      // The issue's shape (issue 12); the rest of what the runtime says is in cudaRuntime.
      cuda: {
        built: c.built,
        nvcc: c.nvcc,
        architectures: c.architectures,
        devices: c.devices.map((d) => ({
          name: d.name,
          computeCapability: d.computeCapability,
          memoryBytes: d.memoryBytes,
          driver: d.driver,
        })),
        reason: c.reason,
      },
      cudaRuntime: {
        usable: c.usable,
        code: c.code,
        runtime: c.runtime,
        driver: c.driver,
        cufft: c.cufft,
      },
    };
    out.info(`asc ${result.asc} on Node ${result.node} (${result.platform})`);
    out.info(`cpu: ${result.cpus} x ${result.cpuModel}, memory ${result.memoryGiB} GiB`);
    out.info(
      addon
        ? `native addon: built (N-API ${addon.napiVersion}, CUDA ${addon.cudaCompiled ? 'compiled' : 'not compiled'})`
        : 'native addon: not built (npx nx run native:build)',
    );
    if (addon) out.info(`audio: ${addon.sndfile}, ${addon.soxr}`);
    if (c.built) {
      out.info(
        `cuda: built with nvcc ${c.nvcc} for compute capabilities ${c.architectures.join(', ')}`,
      );
    }
    for (const d of c.devices) {
      out.info(
        `cuda device ${d.index}: ${d.name}, compute capability ${d.computeCapability}, ${gib(d.memoryBytes)}, driver ${d.driver}`,
      );
    }
    out.info(`cuda: ${c.usable ? 'usable' : 'not usable'}: ${c.reason}`);
    if (c.built)
      out.info(
        `cufft: ${c.cufft.found ? `${c.cufft.version} (${c.cufft.path})` : 'not found (the built-in FFT is used)'}`,
      );
    return result;
  },
});
