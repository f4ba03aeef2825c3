import { printingChromiumArgs } from './report.command';

describe("the PDF printer's Chromium flags", () => {
  it('keeps the sandbox for an ordinary user, drops it only as root or when told', () => {
    expect(printingChromiumArgs(10001, {})).not.toContain('--no-sandbox');
    expect(printingChromiumArgs(10001, { CHROMIUM_NO_SANDBOX: '0' })).not.toContain('--no-sandbox');
    expect(printingChromiumArgs(0, {})).toContain('--no-sandbox');
    expect(printingChromiumArgs(10001, { CHROMIUM_NO_SANDBOX: '1' })).toContain('--no-sandbox');
    expect(printingChromiumArgs(undefined, {})).toEqual([
      '--disable-gpu',
      '--disable-background-networking',
    ]);
  });
});
