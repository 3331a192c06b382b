// The styles catalog and its playground, and the costs page.
import { test, expect, signIn } from './fixtures.mjs';

test('costs has a chart with an accessible name, and a table', async ({ page }) => {
  await signIn(page);
  await page.goto('/ui/costs');
  const chart = page.locator('svg[role=img]');
  await expect(chart.first()).toBeVisible();
  const named = await chart
    .first()
    .evaluate((svg) => !!(svg.getAttribute('aria-label') || svg.getAttribute('aria-labelledby') || svg.querySelector('title')));
  expect(named, 'the chart is named (aria-label, aria-labelledby or <title>)').toBe(true);
  await expect(page.locator('table').first()).toBeVisible();
});

test('the styles catalog links to a playground with options, previews and TOML', async ({ page }) => {
  await signIn(page);
  await page.goto('/ui/styles');
  const link = page.locator('table a[href="/ui/styles/watercolor"]');
  await expect(link).toHaveCount(1);
  expect(await page.locator('table a[href^="/ui/styles/"]').count()).toBeGreaterThan(10);
  await link.click();
  await expect(page).toHaveURL(/\/ui\/styles\/watercolor$/);
  const toml = page.locator('main pre').filter({ hasText: /\[renderer\]/ });
  await expect(toml).toBeVisible();
  expect(await page.locator('main input, main select').count(), 'option fields').toBeGreaterThan(0);
  // an option changes the TOML (and the previews) without a reload
  const before = await toml.innerText();
  await page.locator('main input[type=number]').first().fill('20');
  await expect.poll(() => toml.innerText(), { message: 'the TOML follows the option' }).not.toBe(before);
  const previews = page.locator('main img');
  await expect(previews.first()).toBeVisible();
  for (let i = 0; i < (await previews.count()); i++) {
    await previews.nth(i).scrollIntoViewIfNeeded();
    await expect.poll(() => previews.nth(i).evaluate((e) => (e.complete ? e.naturalWidth : 0))).toBeGreaterThan(0);
  }
});
