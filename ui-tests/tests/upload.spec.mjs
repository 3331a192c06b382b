// Reference photos on a subject's page: the checks in the browser (type, size, dimensions)
// before anything is sent, then the server's face check: one face is accepted and boxed; a group
// photo is refused, naming how many faces, with a box on each.
import { test, expect, env, signIn } from './fixtures.mjs';

// the file field labelled Reference photo (the section around it carries the same name)
const photoInput = (page) => page.getByLabel('Reference photo').and(page.locator('input[type=file]'));

// a 1×1 GIF: an image, but not one of JPEG, PNG or WebP
const GIF = Buffer.from('R0lGODlhAQABAIAAAP///wAAACH5BAEAAAAALAAAAAABAAEAAAICRAEAOw==', 'base64');

/** A w×h image made with a canvas in the page. */
async function canvasImage(page, w, h, type = 'image/png') {
  const bytes = await page.evaluate(
    async ({ w, h, type }) => {
      const c = document.createElement('canvas');
      c.width = w;
      c.height = h;
      const g = c.getContext('2d');
      g.fillStyle = '#6a8caf';
      g.fillRect(0, 0, w, h);
      g.fillStyle = '#f3d9b1';
      g.beginPath();
      g.arc(w / 2, h / 2, Math.min(w, h) / 4, 0, 2 * Math.PI);
      g.fill();
      const blob = await new Promise((resolve) => c.toBlob(resolve, type, 0.9));
      return Array.from(new Uint8Array(await blob.arrayBuffer()));
    },
    { w, h, type },
  );
  return Buffer.from(bytes);
}

test.beforeEach(async ({ page }) => {
  await signIn(page);
  await page.goto(`/ui/subjects/${env.uploadSubject}`);
});

test('the browser refuses a wrong type, a file over 10 MB and a photo under 512 px', async ({ page }) => {
  const input = photoInput(page);
  await expect(input).toHaveAttribute('type', 'file');
  const error = page.locator('#photo-error');

  await input.setInputFiles({ name: 'pixel.gif', mimeType: 'image/gif', buffer: GIF });
  await expect(error).toHaveAttribute('role', 'alert');
  await expect(error).toBeVisible();
  await expect(error).toContainText(/JPEG|PNG|WebP/i);

  const png = await canvasImage(page, 600, 600);
  const big = Buffer.concat([png, Buffer.alloc(11 * 1024 * 1024 - png.length)]);
  await input.setInputFiles({ name: 'big.png', mimeType: 'image/png', buffer: big });
  await expect(error).toContainText(/10\s?MB/i);

  await input.setInputFiles({ name: 'small.png', mimeType: 'image/png', buffer: await canvasImage(page, 300, 200) });
  await expect(error).toContainText(/512/);
});

test('a refused file marks the field invalid; a good one clears it', async ({ page }) => {
  const input = photoInput(page);
  const error = page.locator('#photo-error');
  await input.setInputFiles({ name: 'small.png', mimeType: 'image/png', buffer: await canvasImage(page, 300, 200) });
  await expect(error).not.toBeEmpty();
  await expect(input).toHaveAttribute('aria-invalid', 'true');

  await input.setInputFiles({ name: 'ok.png', mimeType: 'image/png', buffer: await canvasImage(page, 600, 600) });
  await expect(error).toBeEmpty();
  await expect(input).not.toHaveAttribute('aria-invalid', 'true');
});

test('a photo with one face is accepted and its face boxed', async ({ page }) => {
  await photoInput(page).setInputFiles(env.photoOne);
  await page.getByRole('button', { name: 'Upload', exact: true }).click();
  const result = page.locator('#reference-result');
  const figure = result.locator('figure.reference');
  await expect(figure).toBeVisible({ timeout: 45_000 });
  // the stored photo: an <img>, or an SVG <image> under the face boxes; either must load
  const picture = figure.locator('img, svg image').first();
  await expect(picture).toHaveCount(1);
  const src = await picture.evaluate((e) => (e.tagName === 'IMG' ? e.currentSrc || e.src : e.href.baseVal));
  expect(src, 'the photo has a source').toBeTruthy();
  const image = await page.request.get(new URL(src, page.url()).href);
  expect(image.status(), `GET ${src}`).toBe(200);
  expect(image.headers()['content-type']).toMatch(/^image\//);
  expect(await figure.locator('.face-box').count()).toBeGreaterThanOrEqual(1);
  await expect(result.getByRole('alert')).toHaveCount(0);

  await page.reload();
  const audit = page.locator('section#audit li').filter({ hasText: 'uploaded a reference photo' });
  await expect(audit.first()).toContainText('ui-admin');
});

test.describe('a group photo', () => {
  // refused by the server with a 4xx, which Chromium logs for the request
  test.use({ allowConsole: [/Failed to load resource: the server responded with a status of 4(00|09|15|22)/] });

  test('is refused, naming how many faces, with a box on each', async ({ page }) => {
    await photoInput(page).setInputFiles(env.photoGroup);
    await page.getByRole('button', { name: 'Upload', exact: true }).click();
    const alert = page.locator('#reference-result').getByRole('alert');
    await expect(alert).toContainText(/\d+ faces/, { timeout: 45_000 });
    const faces = Number(/(\d+) faces/.exec(await alert.innerText())[1]);
    expect(faces).toBeGreaterThan(1);
    await expect(page.locator('#reference-result .face-box')).toHaveCount(faces);
  });
});
