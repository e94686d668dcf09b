// Lint configuration: typescript-eslint's recommended rules over every package, and the floors
// of the server: each folder of packages/server/src imports only from the floors below it.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

/**
 * The server's floors, lowest first. A folder (or a file at the top of src/) may import from
 * any floor below its own, never from its own floor's other members or from a floor above.
 * docs/architecture.md describes each one.
 */
const FLOORS = [
  ['domain'],
  ['protocol'],
  ['audit'],
  ['storage'],
  ['auth', 'catalog', 'notify'],
  ['operations'],
  ['http'],
  ['server.ts'],
  ['cli', 'index.ts'],
];

const SRC = 'packages/server/src';
const isFile = (name) => name.endsWith('.ts');
const escape = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** Matches an import specifier that reaches `name` (a folder, or a file at the top of src/). */
const reaching = (name) =>
  isFile(name) ? `(^|/)${escape(name.replace(/\.ts$/, '.js'))}$` : `(^|/)${escape(name)}/`;

const floorRules = FLOORS.flatMap((floor, level) =>
  floor.map((name) => {
    const forbidden = [
      ...floor.filter((other) => other !== name),
      ...FLOORS.slice(level + 1).flat(),
    ];
    return {
      files: [isFile(name) ? `${SRC}/${name}` : `${SRC}/${name}/**/*.ts`],
      rules: {
        'no-restricted-imports': [
          'error',
          {
            patterns: forbidden.map((other) => ({
              regex: reaching(other),
              message: `${name} is on floor ${level}; ${other} is not below it (see docs/architecture.md).`,
            })),
          },
        ],
      },
    };
  }),
);

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', 'bench/results/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: globals.node },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  ...floorRules,
  {
    // The console's sources run in the browser.
    files: ['packages/console/src/**/*.js'],
    languageOptions: { globals: globals.browser },
  },
  {
    // The client is published on its own: it never reaches into the server.
    files: ['packages/client/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['meterd', 'meterd/*'], message: 'The client does not depend on the server.' },
            { regex: '(^|/)server/', message: 'The client does not depend on the server.' },
          ],
        },
      ],
    },
  },
  {
    // The forwarder is a package of its own: it sends through @meterd/client, never through
    // the server's code.
    files: ['packages/forwarder/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['meterd', 'meterd/*'],
              message: 'The forwarder does not depend on the server.',
            },
            { regex: '(^|/)server/', message: 'The forwarder does not depend on the server.' },
          ],
        },
      ],
    },
  },
);
