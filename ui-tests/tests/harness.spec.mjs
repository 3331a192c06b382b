// The harness itself: the server scripts/test-browser started answers, and the photos exist.
import { existsSync } from 'node:fs';
import { test, expect, env } from './fixtures.mjs';

test('the server is up and the test photos exist', async ({ request }) => {
  const health = await request.get('/healthz');
  expect(health.status()).toBe(200);
  expect(existsSync(env.photoOne), env.photoOne).toBe(true);
  expect(existsSync(env.photoGroup), env.photoGroup).toBe(true);
});
