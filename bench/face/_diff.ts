import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FacePipeline } from '../../libs/face/src/pipeline/face-pipeline';
import { resolveFaceEngineConfig } from '../../libs/face/src/face.config';
(async () => {
  for (const f of ['sample2.jpg', 'sample3.jpg', 'sample6.jpg']) {
    const ph = readFileSync(join(__dirname, '../../test/fixtures/photos', f));
    for (const d of [16, 13]) {
      const p = await FacePipeline.create(resolveFaceEngineConfig({ detection: { detectorMinFacePx: d } }), { loadLiveness: false });
      const a = await p.analyze(ph, { crop: 'none' });
      console.log(f, d, a.faces.map((x) => `${Math.round(x.box.x)},${Math.round(x.box.y)} w${Math.round(x.box.width)} s${x.score.toFixed(2)} ${x.quality.passed ? 'ok' : 'gated'}`).join(' | '));
    }
  }
})();
