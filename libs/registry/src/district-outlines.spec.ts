import fc from 'fast-check';
import { DISTRICT_OUTLINES, withinDistrictOutline } from './district-outlines';

describe('district outlines', () => {
  it("places the seed region's cameras in or out of their districts", () => {
    // Aktau, 14th microdistrict (aktau-cam-0001 in deploy/config/region.yaml)
    expect(withinDistrictOutline('aktau-city', 43.6481, 51.1722)).toBe(true);
    // the same point filed under Beineu, 300 km east
    expect(withinDistrictOutline('beineu', 43.6481, 51.1722)).toBe(false);
    // Shetpe, Mangystau district: inside the step of its outline
    expect(withinDistrictOutline('mangystau', 44.1662, 52.1213)).toBe(true);
    expect(withinDistrictOutline('nowhere', 43.6481, 51.1722)).toBeNull();
  });

  it('puts every point of the region in at most one district', () => {
    // shared borders aside, the outlines do not overlap
    fc.assert(
      fc.property(
        fc.double({ min: 41.31, max: 46.59, noNaN: true }),
        fc.double({ min: 50.21, max: 55.99, noNaN: true }),
        (lat, lng) =>
          DISTRICT_OUTLINES.features.filter((f) => withinDistrictOutline(f.properties.id, lat, lng))
            .length <= 1,
      ),
    );
  });
});
