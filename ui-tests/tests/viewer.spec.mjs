// A viewer token reads everything and changes nothing: no action buttons, and a forced POST
// (with the page's own CSRF token and origin, so only the role can refuse it) answers 403.
import { test, expect, env, signIn, csrfToken } from './fixtures.mjs';

const ACTIONS = ['Regenerate', 'Set as current', 'Upload', 'Retry failed', 'Cancel queued'];

async function expectNoActions(page) {
  for (const name of ACTIONS) {
    await expect(page.getByRole('button', { name, exact: true }), `no ${name} button`).toHaveCount(0);
  }
}

test.beforeEach(async ({ page }) => {
  await signIn(page, 'viewer');
});

test('the header names the viewer', async ({ page }) => {
  await expect(page.locator('header').first()).toContainText(/ui-viewer\s*·\s*viewer/);
});

test('a subject page has no regenerate, set as current or upload', async ({ page }) => {
  await page.goto(`/ui/subjects/${env.subject}`);
  await expect(page.locator('ol#timeline > li.version').first()).toBeVisible();
  await expectNoActions(page);
  await expect(page.locator('input[type=file]')).toHaveCount(0);
  // reading still works: compare is not a change
  await expect(page.getByRole('button', { name: 'Compare', exact: true })).toBeVisible();
});

test('a run page has no retry or cancel', async ({ page }) => {
  await page.goto(`/ui/runs/${env.keptRun}`);
  await expect(page.locator('#counts')).toBeVisible();
  // the run has a failed job: an admin would see Retry failed here
  await expect(page.locator('section#failures')).toContainText('provider.unavailable');
  await expectNoActions(page);
});

test.describe('forced changes', () => {
  // the refused POSTs are the test's own requests, but allow the status in the console anyway
  test.use({ allowConsole: [/status of 403/] });

  test('a forced retry-failed POST answers 403', async ({ page, baseURL }) => {
    await page.goto(`/ui/runs/${env.keptRun}`);
    const _csrf = await csrfToken(page);
    const response = await page.request.post(`/ui/runs/${env.keptRun}/retry-failed`, {
      form: { _csrf },
      headers: { Origin: baseURL, Referer: `${baseURL}/ui/runs/${env.keptRun}` },
      maxRedirects: 0,
    });
    expect(response.status()).toBe(403);
  });

  test('a forced regenerate POST answers 403', async ({ page, baseURL, browser }) => {
    // where the admin's Regenerate form posts to
    const admin = await browser.newPage({ baseURL });
    await signIn(admin, 'admin');
    await admin.goto(`/ui/subjects/${env.subject}`);
    const form = admin.locator('form').filter({ has: admin.getByRole('button', { name: 'Regenerate', exact: true }) });
    const action = new URL((await form.getAttribute('action')) || (await form.getAttribute('hx-post')), admin.url());
    await admin.close();

    await page.goto(`/ui/subjects/${env.subject}`);
    const _csrf = await csrfToken(page);
    const response = await page.request.post(action.pathname + action.search, {
      form: { _csrf, style: 'watercolor', seed: 'viewer' },
      headers: { Origin: baseURL, Referer: `${baseURL}/ui/subjects/${env.subject}` },
      maxRedirects: 0,
    });
    expect(response.status()).toBe(403);
  });
});
