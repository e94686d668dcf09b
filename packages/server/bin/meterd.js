#!/usr/bin/env node
// The meterd command. It loads the compiled CLI, which `npm run build` (run by `npm ci`) makes.
import '../dist/cli/main.js';
