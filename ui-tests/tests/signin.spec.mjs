// Signing in and out: redirects for unsigned visitors, a refused token, the header once in.
import { test, expect, env, signIn } from './fixtures.mjs';

test.describe('signed out', () => {
  test('/ and /ui/ pages lead to the login form', async ({ page }) => {
    await page.goto('/');
    await expect(page).toHaveURL(/\/ui\/login(\?|$)/);
    await page.goto('/ui/runs');
    await expect(page).toHaveURL(/\/ui\/login(\?|$)/);

    const field = page.getByLabel('API token');
    await expect(field).toBeVisible();
    await expect(field).toHaveAttribute('type', 'password');
    await expect(field).toHaveAttribute('name', 'token');
    await expect(page.getByRole('button', { name: 'Sign in' })).toBeVisible();
  });

  test.describe('a wrong token', () => {
    // The refused sign-in may answer 401/403/422: Chromium logs that status as a console error.
    test.use({ allowConsole: [/Failed to load resource: the server responded with a status of 4(01|03|22)/] });

    test('is refused with an alert', async ({ page }) => {
      await page.goto('/ui/login');
      await page.getByLabel('API token').fill('not-a-token-of-this-server-0000');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await expect(page.getByRole('alert')).toBeVisible();
      await expect(page.getByRole('alert')).not.toBeEmpty();
      await expect(page).toHaveURL(/\/ui\/login/);
      await expect(page.getByLabel('API token')).toBeVisible();
      // still signed out
      await page.goto('/ui/');
      await expect(page).toHaveURL(/\/ui\/login/);
    });
  });
});

test('an admin token signs in, shows who is signed in, and signs out', async ({ page }) => {
  await page.goto('/ui/login');
  await page.getByLabel('API token').fill(env.adminToken);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/ui\/$/);

  const header = page.locator('header').first();
  await expect(header).toContainText(/ui-admin\s*·\s*admin/);
  const nav = page.getByRole('navigation', { name: 'Main' });
  for (const name of ['Gallery', 'Runs', 'Styles', 'Costs']) {
    await expect(nav.getByRole('link', { name, exact: true })).toBeVisible();
  }
  // the token never shows in the page
  expect(await page.content()).not.toContain(env.adminToken);

  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/ui\/login/);
  await page.goto('/ui/');
  await expect(page).toHaveURL(/\/ui\/login/);
});

test('the skip link is the first stop of Tab and moves to main', async ({ page }) => {
  await signIn(page);
  await page.keyboard.press('Tab');
  const skip = page.getByRole('link', { name: 'Skip to content' });
  await expect(skip).toBeFocused();
  await expect(skip).toHaveAttribute('href', '#main');
  await expect(page.locator('main#main')).toHaveCount(1);
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(/#main$/);
  // focus (or at least the sequential focus start) is now in main: the next Tab lands inside it
  await page.keyboard.press('Tab');
  const inMain = await page.evaluate(() => !!document.activeElement?.closest('main#main'));
  expect(inMain, 'the Tab after the skip link lands inside main#main').toBe(true);
});

test('the nav links open their pages', async ({ page }) => {
  await signIn(page);
  const nav = page.getByRole('navigation', { name: 'Main' });
  for (const [name, path] of [
    ['Runs', /\/ui\/runs$/],
    ['Styles', /\/ui\/styles$/],
    ['Costs', /\/ui\/costs$/],
    ['Gallery', /\/ui\/$/],
  ]) {
    await nav.getByRole('link', { name, exact: true }).click();
    await expect(page).toHaveURL(path);
  }
});

test('the nav marks the current page with aria-current', async ({ page }) => {
  await signIn(page);
  const nav = page.getByRole('navigation', { name: 'Main' });
  await expect(nav.getByRole('link', { name: 'Gallery', exact: true })).toHaveAttribute('aria-current', 'page');
  await page.goto('/ui/runs');
  await expect(nav.getByRole('link', { name: 'Runs', exact: true })).toHaveAttribute('aria-current', 'page');
  await expect(nav.getByRole('link', { name: 'Gallery', exact: true })).not.toHaveAttribute('aria-current', 'page');
});
