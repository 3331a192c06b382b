// docs/ui/*.png: the gallery, a subject page and the runs page, light and dark. Part of the run
// only when LIKENESS_UI_SCREENSHOTS names the folder to write to (scripts/screenshots sets it;
// playwright.config.mjs leaves this file out otherwise).
import path from 'node:path';
import { test, env, signIn, expectImagesDecoded } from './fixtures.mjs';

const dir = process.env.LIKENESS_UI_SCREENSHOTS;

const PAGES = [
  { name: 'gallery', path: () => '/ui/' },
  { name: 'subject', path: () => `/ui/subjects/${env.subject}` },
  { name: 'runs', path: () => '/ui/runs' },
];

test.describe('screenshots', () => {
  for (const colorScheme of ['light', 'dark']) {
    for (const p of PAGES) {
      test(`${p.name}-${colorScheme}.png`, async ({ page }) => {
        await signIn(page);
        await page.emulateMedia({ colorScheme, reducedMotion: 'reduce' });
        await page.goto(p.path());
        await expectImagesDecoded(page.locator('img'));
        await page.evaluate(async () => {
          await document.fonts.ready;
          window.scrollTo(0, 0);
        });
        await page.screenshot({
          path: path.join(dir, `${p.name}-${colorScheme}.png`),
          fullPage: true,
          animations: 'disabled',
          caret: 'hide',
        });
      });
    }
  }
});
