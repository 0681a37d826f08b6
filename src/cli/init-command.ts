import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { CONFIG_FILE_OPTIONS } from '../config/mirror-options.js';
import { renderStarterConfig } from '../config/option-docs.js';
import { ConfigError } from '../errors/index.js';

/** `ferry init [--force]`: writes a commented starter ferry.config.yaml (every option at its default). */
export function registerInitCommand(program: Command): void {
  program
    .command('init')
    .description('Write a commented starter ferry.config.yaml.')
    .option('--force', 'overwrite an existing file')
    .option(
      CONFIG_FILE_OPTIONS.config.flag,
      `where to write it (default ${CONFIG_FILE_OPTIONS.config.default})`,
      CONFIG_FILE_OPTIONS.config.default,
    )
    .action(async (flags: { force?: boolean; config: string }) => {
      try {
        await writeFile(flags.config, renderStarterConfig(), { flag: flags.force ? 'w' : 'wx' });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EEXIST') {
          throw new ConfigError(`${flags.config} already exists; it was left unchanged`, {
            code: 'CONFIG_EXISTS',
            hint: 'use `ferry init --force` to overwrite it',
            cause: err,
          });
        }
        throw err;
      }
      process.stdout.write(
        `Wrote ${flags.config}. Set FERRY_SF_USERNAME, FERRY_SF_PASSWORD, FERRY_SF_CLIENT_ID and FERRY_SF_CLIENT_SECRET (or edit the file), then run \`ferry config check\`.\n`,
      );
    });
}
