/**
 * `--state FILE`: the org's changes (not its generated seed) as JSON, written atomically
 * (temp file + rename) so a crash mid-write leaves the previous state intact.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

export interface StateFile {
  version: 1;
  /** Options the seed was generated with; a restart must regenerate the same seed. */
  seed: {
    seed: 'demo' | 'none';
    records: number | null;
    randomSeed: number;
    epochMs: number;
    username: string;
  };
  parts: Record<string, unknown>;
}

export async function readStateFile(path: string): Promise<StateFile | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  const parsed = JSON.parse(text) as StateFile;
  if (parsed.version !== 1)
    throw new Error(`state file ${path} has unknown version ${String(parsed.version)}`);
  return parsed;
}

export async function writeStateFile(path: string, state: StateFile): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, JSON.stringify(state));
  await rename(tmp, path);
}
