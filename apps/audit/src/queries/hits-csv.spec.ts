import fc from 'fast-check';
import { csvCell } from './hits-csv';

describe('csvCell', () => {
  it('defuses a formula at the start of a cell', () => {
    expect(csvCell('=HYPERLINK("http://x")')).toBe(`"'=HYPERLINK(""http://x"")"`);
    expect(csvCell('+7 701')).toBe(`'+7 701`);
    expect(csvCell('@SUM(A1)')).toBe(`'@SUM(A1)`);
  });

  it('quotes a cell that a semicolon-splitting spreadsheet would cut into a formula', () => {
    expect(csvCell("Иванов;=cmd|'/C calc'!A0")).toBe(`"Иванов;=cmd|'/C calc'!A0"`);
    expect(csvCell('a\t=1')).toBe('"a\t=1"');
  });

  it('leaves numbers, ids and plain names as they are', () => {
    expect(csvCell(0.734)).toBe('0.734');
    expect(csvCell('Айгерим Сериковна')).toBe('Айгерим Сериковна');
    expect(csvCell(null)).toBe('');
  });

  it('never lets a separator or a formula start escape its cell', () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        const cell = csvCell(text);
        if (/[",;\t\r\n]/.test(cell)) {
          // quoted: the quotes inside are doubled, so the cell ends where it should
          expect(cell.startsWith('"') && cell.endsWith('"')).toBe(true);
          expect(cell.slice(1, -1).replace(/""/g, '')).not.toContain('"');
        }
        const unquoted = cell.startsWith('"') ? cell.slice(1, -1) : cell;
        expect(/^[=+\-@]/.test(unquoted)).toBe(false);
      }),
    );
  });
});
