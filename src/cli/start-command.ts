import type { Command } from 'commander';
import { resolveEmulatorOptions } from '../index.js';
import { launchEmulator, printConnectionHelp } from './emulator-command.js';
import { waitForShutdown } from './shutdown.js';

/**
 * `npm start`: today, the emulator with its demo org (the mirror capability will turn this into
 * the full sync against it). The org persists in .ferry/emulator-state.json between runs.
 */
export function registerStartCommand(program: Command): void {
  program
    .command('start')
    .description('Start Ferry on the embedded defaults (for now: the emulator with its demo org).')
    .action(async () => {
      const options = resolveEmulatorOptions({ file: { state: '.ferry/emulator-state.json' } });
      const running = await launchEmulator(options);
      printConnectionHelp(running, options);
      await waitForShutdown(() => running.close());
    });
}
