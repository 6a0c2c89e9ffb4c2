import * as fs from 'fs';

// Debian's chromium package, and the flags that keep it off the network (docs/toolchain.md):
// for every test that drives a page in it.

export const CHROMIUM = process.env.ASC_CHROMIUM ?? '/usr/bin/chromium';

export const OFFLINE_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Whether Chromium is installed; warns (naming `what`) when it is not. */
export function chromiumInstalled(what: string): boolean {
  const present = fs.existsSync(CHROMIUM);
  if (!present) console.warn(`${what} skipped: ${CHROMIUM} is absent (apt-get install chromium)`);
  return present;
}
