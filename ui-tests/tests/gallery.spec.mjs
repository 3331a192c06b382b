// The gallery: every image loads and decodes, sizes are given, search narrows the tiles.
import { test, expect, env, signIn, expectImagesDecoded } from './fixtures.mjs';

const tiles = (page) => page.locator('ul.tiles > li.tile');

test.beforeEach(async ({ page }) => {
  await signIn(page);
});

test('every image decodes, with its size given and lazy loading below the first row', async ({ page }) => {
  await expect(tiles(page).first()).toBeVisible();
  const n = await tiles(page).count();
  expect(n).toBeGreaterThan(1);

  // each tile links to its subject, shows a name and an image
  for (let i = 0; i < n; i++) {
    const tile = tiles(page).nth(i);
    await expect(tile.locator('a[href^="/ui/subjects/"]')).toHaveCount(1);
    await expect(tile.locator('img')).toHaveCount(1);
    expect((await tile.innerText()).trim(), `tile ${i + 1} shows a name`).not.toBe('');
  }

  const imgs = page.locator('ul.tiles img');
  for (let i = 0; i < (await imgs.count()); i++) {
    const img = imgs.nth(i);
    await expect(img, `tile image ${i + 1} has a width`).toHaveAttribute('width', /^\d+$/);
    await expect(img, `tile image ${i + 1} has a height`).toHaveAttribute('height', /^\d+$/);
    await expect(img, `tile image ${i + 1} has an alt`).toHaveAttribute('alt', /.*/);
  }
  // the first tile is in the first row (eager); the last one, far below, is lazy
  expect(await imgs.first().getAttribute('loading')).not.toBe('lazy');
  if (n > 12) expect(await imgs.last().getAttribute('loading')).toBe('lazy');

  // every image on the page, lazy ones after scrolling to them
  const decoded = await expectImagesDecoded(page.locator('img'));
  expect(decoded).toBeGreaterThanOrEqual(n);
});

test('search narrows the tiles to the matching subject', async ({ page }) => {
  await expect(tiles(page).first()).toBeVisible();
  const before = await tiles(page).count();

  const search = page.getByRole('search');
  await expect(search).toHaveCount(1);
  for (const label of ['Cohort', 'Source', 'Style', 'Status']) {
    await expect(search.getByLabel(label, { exact: true })).toBeVisible();
  }
  await search.getByLabel('Search', { exact: true }).fill(env.search);
  await search.getByRole('button', { name: 'Apply' }).click();
  await expect(page).toHaveURL(new RegExp(`[?&]q=${env.search}`));

  await expect(tiles(page).first()).toBeVisible();
  const after = await tiles(page).count();
  expect(after).toBeGreaterThanOrEqual(1);
  expect(after).toBeLessThan(before);
  for (let i = 0; i < after; i++) {
    await expect(tiles(page).nth(i)).toContainText(new RegExp(env.search, 'i'));
  }
  await expect(tiles(page).first().locator('a')).toHaveAttribute('href', new RegExp(`/ui/subjects/${env.subject}$`));
  // the field keeps the query
  await expect(search.getByLabel('Search', { exact: true })).toHaveValue(env.search);
});

test('the cohort filter keeps only that cohort', async ({ page }) => {
  await expect(tiles(page).first()).toBeVisible();
  const cohort = page.getByRole('search').getByLabel('Cohort', { exact: true });
  await cohort.selectOption('nba');
  await page.getByRole('search').getByRole('button', { name: 'Apply' }).click();
  await expect(page).toHaveURL(/[?&]cohort=nba/);
  await expect(tiles(page).first()).toBeVisible();
  // the 24 players, on one or more pages; no FHIR patient among them
  await expect(page.locator('ul.tiles')).not.toContainText('Everywoman');
});

test('a subject whose job failed shows a failed badge, and the status filter finds it', async ({ page }) => {
  const search = page.getByRole('search');
  await search.getByLabel('Style', { exact: true }).selectOption('cloudy');
  const status = search.getByLabel('Status', { exact: true });
  const failed = await status.locator('option').evaluateAll((os) => os.find((o) => /failed/i.test(o.value + o.textContent))?.value);
  expect(failed, 'the Status filter offers failed').toBeTruthy();
  await status.selectOption(failed);
  await search.getByRole('button', { name: 'Apply' }).click();
  await expect(page).toHaveURL(/[?&]status=/);
  const tile = tiles(page).filter({ has: page.locator(`a[href="/ui/subjects/${env.keptSubject}"]`) });
  await expect(tile).toHaveCount(1);
  await expect(tile.locator('span.badge').filter({ hasText: /^\s*failed\s*$/ })).toHaveCount(1);
  // only failed subjects
  const badges = await tiles(page).evaluateAll((ts) =>
    ts.map((t) => [...t.querySelectorAll('span.badge')].map((b) => b.textContent.trim())),
  );
  expect(badges.every((b) => b.includes('failed')), `badges: ${JSON.stringify(badges)}`).toBe(true);
  // no portrait in that style yet: the tile still shows an image (the placeholder)
  await expectImagesDecoded(page.locator('ul.tiles img'));
});

test('Next page shows further subjects', async ({ page }) => {
  const next = page.getByRole('link', { name: 'Next page' });
  test.skip((await next.count()) === 0, 'all subjects fit on one page');
  await expect(next).toHaveAttribute('rel', /next/);
  const first = await tiles(page).first().locator('a').getAttribute('href');
  await next.click();
  await expect(tiles(page).first()).toBeVisible();
  expect(await tiles(page).first().locator('a').getAttribute('href')).not.toBe(first);
  await expectImagesDecoded(page.locator('ul.tiles img'));
});
