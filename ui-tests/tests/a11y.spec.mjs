// axe (WCAG 2.0/2.1 A and AA, WCAG 2.2 AA) on every page, in the light and the dark scheme.
// Serious and critical violations fail the test; all findings are attached to its report.
import AxeBuilder from '@axe-core/playwright';
import { test, expect, env, signIn } from './fixtures.mjs';

const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];

const PAGES = [
  { name: 'login', path: () => '/ui/login', signedIn: false },
  { name: 'gallery', path: () => '/ui/' },
  { name: 'subject', path: () => `/ui/subjects/${env.subject}` },
  { name: 'runs', path: () => '/ui/runs' },
  { name: 'run', path: () => `/ui/runs/${env.keptRun}` },
  { name: 'styles', path: () => '/ui/styles' },
  { name: 'playground', path: () => '/ui/styles/watercolor' },
  { name: 'costs', path: () => '/ui/costs' },
];

function describe(violations) {
  return violations
    .map((v) => {
      const nodes = v.nodes
        .slice(0, 5)
        .map((n) => `      ${n.target.join(' ')}: ${n.failureSummary?.split('\n').slice(1).join('; ')}`)
        .join('\n');
      const more = v.nodes.length > 5 ? `\n      … and ${v.nodes.length - 5} more` : '';
      return `  [${v.impact}] ${v.id}: ${v.help} (${v.nodes.length} nodes)\n${nodes}${more}`;
    })
    .join('\n');
}

for (const colorScheme of ['light', 'dark']) {
  test.describe(`${colorScheme} scheme`, () => {
    for (const p of PAGES) {
      test(`${p.name} has no serious or critical axe violation`, async ({ page }, testInfo) => {
        if (p.signedIn !== false) await signIn(page);
        await page.emulateMedia({ colorScheme, reducedMotion: 'reduce' });
        const response = await page.goto(p.path());
        expect(response.status(), `${p.path()} answers 200`).toBe(200);
        await page.waitForLoadState('load');

        const results = await new AxeBuilder({ page }).withTags(TAGS).analyze();
        await testInfo.attach('axe-results.json', {
          body: JSON.stringify(results.violations, null, 2),
          contentType: 'application/json',
        });
        const minor = results.violations.filter((v) => !['serious', 'critical'].includes(v.impact));
        if (minor.length) {
          testInfo.annotations.push({ type: 'axe (minor, moderate)', description: describe(minor) });
        }
        const bad = results.violations.filter((v) => ['serious', 'critical'].includes(v.impact));
        expect(bad.map((v) => `${v.impact} ${v.id}`), `axe on ${p.path()} (${colorScheme}):\n${describe(bad)}`).toEqual([]);
      });
    }
  });
}
