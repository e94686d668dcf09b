// Checks the links of every Markdown file in the repository: each must point inside it (a file
// or folder that exists, or a heading of the file it names), or to meterd itself on loopback.
// Addresses inside code (fenced blocks, `spans`) are examples, not links, and are not checked.
// Run by `npm run lint`; exits 1 and lists every offending link.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';

const LOOPBACK = /^https?:\/\/(?:127\.0\.0\.1|localhost|\[::1\])(?::\d+)?(?:[/?#]|$)/;

/** GitHub's anchor of a heading: lower case, punctuation dropped, spaces as hyphens. */
const anchorOf = (heading) =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replace(/ /g, '-');

/** The text of a Markdown file without its code: fenced blocks and inline spans. */
function prose(text) {
  return text.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '').replace(/`[^`\n]*`/g, '');
}

function anchors(file) {
  const seen = new Map();
  const result = new Set();
  for (const [, heading] of prose(readFileSync(file, 'utf8')).matchAll(/^#{1,6} (.+)$/gm)) {
    const base = anchorOf(heading.replace(/`/g, ''));
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    result.add(n ? `${base}-${n}` : base);
  }
  return result;
}

const files = execFileSync('git', ['ls-files', '*.md'], { encoding: 'utf8' })
  .split('\n')
  .filter((f) => f && existsSync(f));
const problems = [];
for (const file of files) {
  const text = prose(readFileSync(file, 'utf8'));
  const targets = [
    ...[...text.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)].map((m) => m[1]),
    ...[...text.matchAll(/^\s*\[[^\]]+\]:\s*(\S+)/gm)].map((m) => m[1]),
    ...[...text.matchAll(/<(https?:\/\/[^>\s]+)>/g)].map((m) => m[1]),
    ...[...text.matchAll(/(?<![(<\w])(https?:\/\/[^\s)>\]]+)/g)].map((m) => m[1]),
  ];
  for (const target of new Set(targets)) {
    if (LOOPBACK.test(target)) continue;
    if (/^[a-z][a-z0-9+.-]*:/i.test(target)) {
      problems.push(`${file}: links outside the repository: ${target}`);
      continue;
    }
    const [path, anchor] = target.split('#');
    const resolved = path ? normalize(join(dirname(file), decodeURIComponent(path))) : file;
    if (!existsSync(resolved)) {
      problems.push(`${file}: links to ${target}, which does not exist`);
      continue;
    }
    if (anchor && resolved.endsWith('.md') && !anchors(resolved).has(anchor))
      problems.push(`${file}: links to ${target}, a heading that does not exist`);
  }
}
if (problems.length) {
  console.error(problems.join('\n'));
  process.exit(1);
}
console.log(`links: ${files.length} Markdown files, every link inside the repository`);
