// A subject's page: current images, the version timeline, regenerate (live, without reload),
// set as current, compare two versions, and the audit of what admins did.
import { test, expect, env, signIn, expectImagesDecoded } from './fixtures.mjs';

const versions = (page) => page.locator('ol#timeline > li.version');
const formWith = (page, button) =>
  page.locator('form').filter({ has: page.getByRole('button', { name: button, exact: true }) });

/** Sets a select (by value or label) or types into a field. */
async function choose(field, value) {
  const tag = await field.evaluate((e) => e.tagName);
  if (tag === 'SELECT') await field.selectOption(value);
  else await field.fill(value);
}

test.beforeEach(async ({ page }) => {
  await signIn(page);
});

test('a subject opens from the gallery with its current images and timeline', async ({ page }) => {
  await page.getByRole('search').getByLabel('Search', { exact: true }).fill(env.search);
  await page.getByRole('search').getByRole('button', { name: 'Apply' }).click();
  await page.locator(`ul.tiles a[href="/ui/subjects/${env.subject}"]`).click();
  await expect(page).toHaveURL(new RegExp(`/ui/subjects/${env.subject}$`));
  await expect(page.locator('h1')).toHaveText(/Kareem Abdul-Jabbar/);

  const current = page.locator('section#current figure[data-style]');
  await expect(current.first()).toBeVisible();
  const styles = await current.evaluateAll((fs) => fs.map((f) => f.dataset.style));
  expect(styles).toEqual(expect.arrayContaining(['initials', 'watercolor']));
  await expectImagesDecoded(page.locator('section#current img'));

  // initials, and watercolor twice (seeded with --force): newest first
  expect(await versions(page).count()).toBeGreaterThanOrEqual(3);
  const first = versions(page).first();
  await expect(first).toHaveAttribute('data-asset-id', /.+/);
  for (const what of [/builtin/i, /succeeded/i, /\$\s?0(\.0+)?\b/]) {
    await expect(first, `the newest version shows ${what}`).toContainText(what);
  }
  // the prompt the renderer was given is shown
  await expect(first).toContainText(/portrait|avatar/i);
});

test('regenerate with a new seed: progress in #live, the new version on top without reload', async ({ page }) => {
  await page.goto(`/ui/subjects/${env.subject}`);
  const before = await versions(page).count();
  const topBefore = await versions(page).first().getAttribute('data-asset-id');
  await page.evaluate(() => {
    window.__noReload = true;
  });

  const form = formWith(page, 'Regenerate');
  await expect(form).toHaveCount(1);
  for (const label of ['Style', 'Prompt', 'Seed', 'Provider']) {
    await expect(form.getByLabel(label, { exact: true })).toBeVisible();
  }
  await expect(form).toContainText('Estimated cost');

  const seed = `ui-seed-${Date.now()}`;
  await choose(form.getByLabel('Style', { exact: true }), 'watercolor');
  await form.getByLabel('Seed', { exact: true }).fill(seed);
  await form.getByRole('button', { name: 'Regenerate', exact: true }).click();

  const live = page.locator('#live');
  await expect(live).toHaveAttribute('aria-live', 'polite');
  await expect(live).not.toBeEmpty({ timeout: 30_000 });

  await expect(versions(page)).toHaveCount(before + 1, { timeout: 30_000 });
  const top = versions(page).first();
  expect(await top.getAttribute('data-asset-id')).not.toBe(topBefore);
  await expect(top).toContainText(seed);
  await expect(top).toContainText(/succeeded/i, { timeout: 30_000 });
  expect(await page.evaluate(() => window.__noReload), 'the page was not reloaded').toBe(true);

  // the audit records it, under the token's name
  await page.reload();
  const audit = page.locator('section#audit li').filter({ hasText: 'regenerated' });
  await expect(audit.first()).toContainText('ui-admin');
});

test('set an older version as current', async ({ page }) => {
  await page.goto(`/ui/subjects/${env.subject}`);
  const older = versions(page).filter({ has: page.getByRole('button', { name: 'Set as current' }) });
  await expect(older.first()).toBeVisible();
  const id = await older.first().getAttribute('data-asset-id');
  await older.first().getByRole('button', { name: 'Set as current' }).click();

  const item = page.locator(`ol#timeline > li.version[data-asset-id="${id}"]`);
  await expect(item.getByRole('button', { name: 'Set as current' })).toHaveCount(0);
  await page.reload();
  await expect(item.getByRole('button', { name: 'Set as current' })).toHaveCount(0);
  const audit = page.locator('section#audit li').filter({ hasText: /\bset\b.*\bcurrent\b/ });
  await expect(audit.first()).toContainText('ui-admin');
});

test('compare two versions side by side', async ({ page }) => {
  await page.goto(`/ui/subjects/${env.subject}`);
  const form = formWith(page, 'Compare');
  const a = form.getByLabel('Version A', { exact: true });
  const b = form.getByLabel('Version B', { exact: true });
  const values = await a.locator('option').evaluateAll((os) => os.map((o) => o.value).filter(Boolean));
  expect(values.length, 'at least two versions to compare').toBeGreaterThanOrEqual(2);
  await a.selectOption(values[0]);
  await b.selectOption(values[1]);
  await form.getByRole('button', { name: 'Compare', exact: true }).click();

  await expect(page).toHaveURL(new RegExp(`/ui/subjects/${env.subject}/compare\\?(?=.*a=)(?=.*b=)`));
  const url = new URL(page.url());
  expect(url.searchParams.get('a')).not.toBe(url.searchParams.get('b'));
  const figures = page.locator('.compare figure');
  await expect(figures).toHaveCount(2);
  expect(await expectImagesDecoded(page.locator('.compare figure img'))).toBe(2);
});
