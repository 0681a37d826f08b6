#!/usr/bin/env node
// Entry point for `npx ferry` / `npm exec ferry` from a checkout (`npm install` builds dist/ via `prepare`).
import { main } from '../dist/cli/main.js';

main(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    console.error(err instanceof Error ? err.message : String(err));
    process.exitCode = 1;
  },
);
