#!/usr/bin/env node
// Runs the built CLI when dist/ exists; otherwise the TypeScript sources through tsx.
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const built = join(root, 'dist', 'cli.js');
// tsx by the path this package resolves it to: `--import tsx` alone would look for it from the caller's directory.
const entry = existsSync(built) ? [built] : ['--import', import.meta.resolve('tsx'), '--conditions=source', join(root, 'src', 'cli.ts')];
const { status } = spawnSync(process.execPath, [...entry, ...process.argv.slice(2)], { stdio: 'inherit', cwd: process.cwd() });
process.exit(status ?? 1);
