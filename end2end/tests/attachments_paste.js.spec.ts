import { test, expect } from './fixtures';
import { people, ready, signIn } from './helpers';

// A 1×1 PNG, as a screenshot would arrive.
const PNG = Buffer.from(
  '89504e470d0a1a0a0000000d4948445200000001000000010806000000' +
    '1f15c4890000000d49444154789c63f8cfc0f01f000500' +
    '01ff89993d1d0000000049454e44ae426082',
  'hex',
);

// With JavaScript a screenshot pasted into the text, or dropped on the picker, is attached.
test('a pasted or dropped screenshot is attached', async ({ page }) => {
  await signIn(page, people.member, '/request/software');
  await ready(page, true);
  await page.getByLabel('Problem').focus();
  await page.evaluate((bytes) => {
    const file = new File([new Uint8Array(bytes)], 'image.png', { type: 'image/png' });
    const data = new DataTransfer();
    data.items.add(file);
    const paste = new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true });
    document.querySelector('#description')!.dispatchEvent(paste);
    const drop = new DragEvent('drop', { dataTransfer: data, bubbles: true, cancelable: true });
    document.querySelector('.file-picker')!.dispatchEvent(drop);
  }, [...PNG]);
  await expect(page.locator('.file-picker .attached-file')).toHaveCount(2);
  await expect(page.locator('.file-picker .attached-file').first()).toContainText('image.png');
  // And one can be removed again before sending.
  await page.getByRole('button', { name: 'Remove image.png' }).first().click();
  await expect(page.locator('.file-picker .attached-file')).toHaveCount(1);
});
