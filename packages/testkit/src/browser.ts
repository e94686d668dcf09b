/**
 * @module A headless browser for the console's and the forwarder status page's tests, and the
 * screenshots (imported as `@meterd/testkit/browser`, so that other tests do not load it): Debian's chromium
 * (/usr/bin/chromium, or METERD_CHROMIUM) driven by playwright-core, never a downloaded browser;
 * the console's login; and an axe-core check of the page shown.
 */

import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM = process.env.METERD_CHROMIUM ?? '/usr/bin/chromium';
/** Why the browser tests cannot run here, or undefined when they can. */
export const NO_BROWSER = existsSync(CHROMIUM)
  ? undefined
  : `${CHROMIUM} is missing: install Debian's chromium package (apt-get install chromium), as .ci/run does`;

/** The size every page must be usable at, and the screenshots' size. */
export const VIEWPORT = { width: 1280, height: 800 };

/** Launches chromium headless. */
export function launch(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    // Root in a container has no user namespace for chromium's sandbox.
    args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu'],
  });
}

/** Opens the console and logs in with `token`; resolves when the overview shows. */
export async function login(page: Page, url: string, token: string): Promise<void> {
  await page.goto(`${url}/console/`);
  await page.getByLabel('Admin token').fill(token);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.locator('main[data-page]').waitFor();
}

/** Opens a console page (`overview`, `usage`, …) and waits for its heading. */
export async function openPage(page: Page, url: string, id: string): Promise<void> {
  // A new load, not a change of the #fragment: the page's data are read afresh.
  await page.goto('about:blank');
  await page.goto(`${url}/console/#/${id}`);
  await page.locator(`main[data-page="${id}"]`).waitFor();
  // Until nothing on it is loading (there may be several parts, each loading on its own).
  const busy = page.locator('[aria-busy="true"]');
  for (let waited = 0; (await busy.count()) > 0; waited += 50) {
    if (waited > 10_000) throw new Error(`the ${id} page is still loading after 10 s`);
    await page.waitForTimeout(50);
  }
}

const axeSource = readFileSync(
  createRequire(import.meta.url).resolve('axe-core/axe.min.js'),
  'utf8',
);

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: number;
}

/** The serious and critical axe-core violations of the page shown. */
export async function seriousViolations(page: Page): Promise<AxeViolation[]> {
  // Evaluated through the DevTools protocol: the page's CSP (no inline script) still holds.
  await page.evaluate(axeSource);
  return page.evaluate(async () => {
    const axe = (
      globalThis as unknown as {
        axe: {
          run(): Promise<{
            violations: Array<{
              id: string;
              impact: string | null;
              help: string;
              nodes: unknown[];
            }>;
          }>;
        };
      }
    ).axe;
    const { violations } = await axe.run();
    return violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.length }));
  });
}
