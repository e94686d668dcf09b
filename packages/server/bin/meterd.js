#!/usr/bin/env node
// The meterd command. It loads the compiled CLI, which `npm run build` (run by `npm ci`) makes,
// in this same process: started as `meterd` or `node_modules/.bin/meterd`, the process is meterd
// itself, and SIGTERM and SIGINT reach it (docs/deploy.md in the repository).
import '../dist/cli/main.js';
