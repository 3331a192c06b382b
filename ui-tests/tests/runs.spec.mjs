// Runs: the list, one run's counts and failures grouped by code, pausing live updates, a job's
// page, and Retry failed: the job that failed while the OpenAI endpoint was down succeeds now
// that the fake listens there (scripts/test-browser starts it after seeding).
import { test, expect, env, signIn, countIn } from './fixtures.mjs';

const runPath = () => `/ui/runs/${env.failedRun}`;

test.beforeEach(async ({ page }) => {
  await signIn(page);
});

test('the runs list links to each run', async ({ page }) => {
  await page.goto('/ui/runs');
  await expect(page.locator('table')).toBeVisible();
  const link = page.locator(`table a[href="${runPath()}"]`);
  await expect(link).toHaveCount(1);
  expect(await page.locator('table a[href^="/ui/runs/"]').count()).toBeGreaterThanOrEqual(3);
  await link.click();
  await expect(page).toHaveURL(new RegExp(`${runPath()}$`));
});

test('a run shows its counts live and its failures grouped by error code', async ({ page }) => {
  await page.goto(runPath());
  const counts = page.locator('#counts');
  await expect(counts).toHaveAttribute('aria-live', /polite|assertive/);
  expect(await countIn(counts, 'failed'), '#counts shows 1 failed').toBe(1);

  const failures = page.locator('section#failures');
  await expect(failures).toContainText('provider.unavailable');
  await expect(page.getByRole('button', { name: 'Retry failed' })).toBeVisible();
  // Cancel queued is offered when something is queued; nothing is in this run
  const queued = await countIn(counts, 'queued');
  await expect(page.getByRole('button', { name: 'Cancel queued' })).toHaveCount(queued > 0 ? 1 : 0);
  await expect(page.locator('a[href^="/ui/jobs/"]').first()).toBeVisible();
});

test('live updates can be paused and resumed', async ({ page }) => {
  await page.goto(runPath());
  const toggle = page.getByRole('button', { name: /(Pause|Resume) live updates/ });
  await expect(toggle).toHaveCount(1);
  await expect(toggle).toHaveAccessibleName(/Pause live updates/);
  await toggle.click();
  await expect
    .poll(async () => {
      const pressed = await toggle.getAttribute('aria-pressed');
      const name = (await toggle.textContent()).trim();
      return pressed === 'true' || /Resume/.test(name);
    }, { message: 'the toggle says it is paused (aria-pressed=true or "Resume live updates")' })
    .toBe(true);
  await toggle.click();
  await expect
    .poll(async () => {
      const pressed = await toggle.getAttribute('aria-pressed');
      const name = (await toggle.textContent()).trim();
      return pressed !== 'true' && /Pause/.test(name);
    }, { message: 'the toggle is back to live' })
    .toBe(true);
});

test("a job's page opens from the run", async ({ page }) => {
  await page.goto(runPath());
  const job = page.locator('a[href^="/ui/jobs/"]').first();
  const href = await job.getAttribute('href');
  await job.click();
  await expect(page).toHaveURL(new RegExp(`${href}$`));
  await expect(page.locator('h1')).not.toBeEmpty();
  await expect(page.locator('main#main')).toContainText('provider.unavailable');
});

test('Retry failed: the failed count drops to 0 and the job succeeds', async ({ page }) => {
  // serve starts a job on the OpenAI provider 5-12 s after it is queued (debug build)
  test.setTimeout(120_000);
  await page.goto(runPath());
  const counts = page.locator('#counts');
  expect(await countIn(counts, 'failed')).toBe(1);
  await page.getByRole('button', { name: 'Retry failed' }).click();

  await expect
    .poll(() => countIn(page.locator('#counts'), 'failed'), { message: 'failed count in #counts', timeout: 30_000 })
    .toBe(0);
  await expect
    .poll(() => countIn(page.locator('#counts'), 'succeeded'), {
      message: 'succeeded count in #counts rises without a reload',
      timeout: 60_000,
    })
    .toBeGreaterThanOrEqual(1);

  await page.reload();
  expect(await countIn(page.locator('#counts'), 'failed')).toBe(0);
  const succeeded = page
    .locator('tr, li')
    .filter({ has: page.locator('a[href^="/ui/jobs/"]') })
    .filter({ hasText: /succeeded/i });
  await expect(succeeded.first()).toBeVisible();
});

test('Cancel queued: asked first, then the waiting job is skipped and the action recorded', async ({ page }) => {
  await page.goto(`/ui/runs/${env.heldRun}`);
  expect(await countIn(page.locator('#counts'), 'queued'), 'one job waits').toBe(1);
  // The shared fixture accepts every dialog; this one only reads the question.
  let question = '';
  page.once('dialog', (dialog) => {
    question = dialog.message();
  });
  await page.getByRole('button', { name: 'Cancel queued' }).click();
  await expect(page.getByRole('status')).toContainText('Cancelled 1 queued job');
  expect(question).toContain('Cancel the 1 queued job');
  const counts = page.locator('#counts');
  expect(await countIn(counts, 'queued')).toBe(0);
  expect(await countIn(counts, 'skipped')).toBe(1);
  await expect(page.getByRole('button', { name: 'Cancel queued' })).toHaveCount(0);
  await expect(page.locator('#audit')).toContainText('ui-admin cancelled 1 queued job');
  await expect(page.locator('table')).toContainText('cancelled by ui-admin');
});
