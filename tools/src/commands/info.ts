import * as os from 'os';
import { addonAvailable, loadAddon } from '@asc/native';
import { defineCommand } from '../cli/command';

const { version } = require('../../package.json') as { version: string };

/** `asc info`: versions, the native addon's state and the machine, for bug reports. */
export const infoCommand = defineCommand({
  command: 'info',
  describe: 'Show versions, the native addon and the machine',
  run: async (_args, out) => {
    const addon = addonAvailable() ? loadAddon().buildInfo() : null;
    const result = {
      asc: version,
      node: process.version,
      platform: `${os.platform()}-${os.arch()}`,
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model ?? 'unknown',
      memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
      addon,
    };
    out.info(`asc ${result.asc} on Node ${result.node} (${result.platform})`);
    out.info(`cpu: ${result.cpus} x ${result.cpuModel}, memory ${result.memoryGiB} GiB`);
    out.info(
      addon
        ? `native addon: built (N-API ${addon.napiVersion}, CUDA ${addon.cudaCompiled ? 'compiled' : 'not compiled'})`
        : 'native addon: not built (npx nx run native:build)',
    );
    if (addon) out.info(`audio: ${addon.sndfile}, ${addon.soxr}`);
    return result;
  },
});
