import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseRegionFile, RegionFileError } from './region-file.loader';

const SEED = join(__dirname, '../../../deploy/config/region.yaml');

describe('parseRegionFile', () => {
  it('reads the shipped seed region: two main centres, five district centres under them', () => {
    const region = parseRegionFile(SEED, readFileSync(SEED, 'utf8'));
    const mains = region.centres.filter((c) => c.kind === 'main').map((c) => c.id);
    expect(mains).toEqual(['aktau', 'zhanaozen']);
    const districtCentres = region.centres.filter((c) => c.kind === 'district');
    expect(districtCentres.map((c) => c.id).sort()).toEqual(
      ['beineu', 'karakiya', 'mangystau', 'munaily', 'tupkaragan'].sort(),
    );
    for (const centre of region.centres) {
      expect(centre.districts.length).toBeGreaterThan(0);
      for (const district of centre.districts) expect(district.cameras.length).toBeGreaterThan(0);
    }
  });

  it('names the place of every problem in the file', () => {
    const text = `
centres:
  - id: aktau
    name: Aktau
    kind: main
    parent: zhanaozen
  - id: Bad_Id
    name: x
    kind: district
    districts:
      - id: d1
        name: D1
        cameras:
          - id: cam-1
            name: c
            latitude: 123
`;
    expect.assertions(2);
    try {
      parseRegionFile('region.yaml', text);
    } catch (error) {
      expect(error).toBeInstanceOf(RegionFileError);
      expect((error as RegionFileError).problems).toEqual([
        expect.stringMatching(/^centres\.1\.id: /),
        expect.stringMatching(/^centres\.1\.districts\.0\.cameras\.0\.latitude: /),
      ]);
    }
  });

  it('refuses a district centre without a main centre of the file, and YAML that does not parse', () => {
    const orphan = 'centres:\n  - { id: munaily, name: Munaily, kind: district, parent: aktau }\n';
    expect(() => parseRegionFile('r.yaml', orphan)).toThrow(/centres\.0\.parent/);
    expect(() => parseRegionFile('r.yaml', 'centres: [')).toThrow(RegionFileError);
  });
});
