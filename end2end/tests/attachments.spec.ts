import { test, expect } from './fixtures';
import { people, ready, signIn, unique } from './helpers';

// A 1×1 PNG, as a screenshot would arrive.
const PNG = Buffer.from(
  '89504e470d0a1a0a0000000d4948445200000001000000010806000000' +
    '1f15c4890000000d49444154789c63f8cfc0f01f000500' +
    '01ff89993d1d0000000049454e44ae426082',
  'hex',
);

// Files go with a request and with a reply, with or without JavaScript: without it the picker is
// a plain file input posted with the form; with it the file is uploaded at once and listed. The
// screenshot is shown on the request, the log is a download, and a file that is not taken says so
// beside the field while what was typed stays.
test('files go with a request and a reply, and a bad one is named', async ({ page, javaScriptEnabled }) => {
  await signIn(page, people.member, '/request/software');
  await ready(page, javaScriptEnabled);
  const title = unique('Zoom crashes');
  await page.getByLabel('Title').fill(title);
  await page.getByLabel('Device').fill('MacBook Pro');
  await page.getByLabel('Software', { exact: true }).fill('Zoom 6.2');
  await page.getByLabel('Problem').fill('It quits when I share my screen.');
  const picker = page.getByLabel(/^Attach files/);
  await picker.setInputFiles([{ name: 'logo.svg', mimeType: 'image/svg+xml', buffer: Buffer.from('<svg onload="alert(1)"/>') }]);
  if (javaScriptEnabled) {
    // Refused at once, before the form is sent.
    await expect(page.locator('#attachments-error')).toContainText('“logo.svg”: HTML, SVG and XML files are not taken');
  } else {
    await page.getByRole('button', { name: 'Submit request' }).click();
    await expect(page.locator('.error-summary')).toContainText('Files: “logo.svg”: HTML, SVG and XML files are not taken');
    await expect(page.locator('#attachments-error')).toContainText('logo.svg');
    await expect(page.getByLabel('Title')).toHaveValue(title);
  }
  await page.getByLabel(/^Attach files/).setInputFiles([
    { name: 'crash.png', mimeType: 'image/png', buffer: PNG },
    { name: 'zoom.log', mimeType: 'text/plain', buffer: Buffer.from('12:01 crash in libav\n') },
  ]);
  if (javaScriptEnabled) {
    const attached = page.locator('.file-picker .attached-file');
    await expect(attached).toHaveCount(2);
    await expect(attached.first()).toContainText('crash.png');
    await expect(page.locator('#attachments-error')).toBeEmpty();
  }
  await page.getByRole('button', { name: 'Submit request' }).click();
  await expect(page).toHaveURL(/\/requests\/REQ-\d+$/);
  const files = page.getByRole('list', { name: 'Attached files' });
  await expect(files.getByRole('link', { name: 'crash.png' }).locator('img')).toBeVisible();
  const log = files.getByRole('link', { name: 'zoom.log' });
  await expect(log).toHaveAttribute('download', 'zoom.log');
  const image = await page.request.get((await files.locator('img').getAttribute('src'))!);
  expect(image.headers()['content-disposition']).toMatch(/^inline;/);
  expect(image.headers()['content-security-policy']).toMatch(/^sandbox;/);
  expect(await image.body()).toEqual(PNG);
  const text = await page.request.get((await log.getAttribute('href'))!);
  expect(text.headers()['content-disposition']).toMatch(/^attachment;/);

  // A reply with a file.
  await page.getByLabel('Reply', { exact: true }).fill('Here is the crash report.');
  await page.locator('#reply-files').setInputFiles([
    { name: 'report.txt', mimeType: 'text/plain', buffer: Buffer.from('report\n') },
  ]);
  if (javaScriptEnabled) {
    await expect(page.locator('#reply-files').locator('..').locator('.attached-file')).toHaveCount(1);
  }
  await page.getByRole('button', { name: 'Send reply' }).click();
  const conversation = page.locator('.conversation');
  await expect(conversation).toContainText('Here is the crash report.');
  await expect(conversation.getByRole('link', { name: 'report.txt' })).toBeVisible();
  if (javaScriptEnabled) {
    // The form is empty again, files too.
    await expect(page.getByLabel('Reply', { exact: true })).toHaveValue('');
    await expect(page.locator('#reply-files').locator('..').locator('.attached-file')).toHaveCount(0);
  }
});

// An analyst's internal note carries its file to staff only.
test('a note’s file is for staff only', async ({ page, browser, javaScriptEnabled }) => {
  await signIn(page, people.member, '/request/software');
  await ready(page, javaScriptEnabled);
  await page.getByLabel('Title').fill(unique('Printer'));
  await page.getByLabel('Device').fill('Laptop');
  await page.getByLabel('Software', { exact: true }).fill('Driver');
  await page.getByLabel('Problem').fill('It prints blank pages.');
  await page.getByRole('button', { name: 'Submit request' }).click();
  await expect(page).toHaveURL(/\/requests\/REQ-\d+$/);
  const address = new URL(page.url()).pathname;

  const context = await browser.newContext({ javaScriptEnabled });
  const analyst = await context.newPage();
  await signIn(analyst, people.analyst, address);
  await ready(analyst, javaScriptEnabled);
  await analyst.getByLabel(/^Internal note/).fill('Driver trace attached.');
  await analyst.getByLabel('Attach files to the note').setInputFiles([
    { name: 'trace.txt', mimeType: 'text/plain', buffer: Buffer.from('host=print-01\n') },
  ]);
  if (javaScriptEnabled) {
    await expect(analyst.locator('#note-files').locator('..').locator('.attached-file')).toHaveCount(1);
  }
  await analyst.getByRole('button', { name: 'Add internal note' }).click();
  const link = analyst.locator('.conversation').getByRole('link', { name: 'trace.txt' });
  await expect(link).toBeVisible();
  const href = (await link.getAttribute('href'))!;
  await context.close();

  await page.reload();
  await expect(page.locator('body')).not.toContainText('trace.txt');
  expect((await page.request.get(href)).status()).toBe(404);
});
